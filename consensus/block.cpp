#include "consensus/block.h"

#include "crypto/hash_tags.h"
#include "crypto/merkle.h"
#include "serialize/codec.h"

namespace maillon {

namespace {

void WriteHeader(Writer& w, const BlockHeader& h) {
    w.U32(h.version);
    w.U32(h.chain_id);
    w.U64(h.height);
    w.U64(h.time_ms);
    w.Raw(h.parent);
    w.Raw(h.proposer);
    w.Raw(h.validators_hash);
    w.Raw(h.next_validators_hash);
    w.Raw(h.last_commit_hash);
    w.Raw(h.tx_root);
    w.Raw(h.state_root);
}

bool ReadHeader(Reader& r, BlockHeader& h) {
    const size_t version_pos = r.Position();
    if (r.U32(h.version, "header.version") && h.version != kBlockVersion) {
        r.FailAt(version_pos, "header.version",
                 "unknown block version " + std::to_string(h.version) + " (this node knows " +
                     std::to_string(kBlockVersion) + ")");
    }
    r.U32(h.chain_id, "header.chain_id");
    r.U64(h.height, "header.height");
    r.U64(h.time_ms, "header.time_ms");
    r.Array(h.parent, "header.parent");
    r.Array(h.proposer, "header.proposer");
    r.Array(h.validators_hash, "header.validators_hash");
    r.Array(h.next_validators_hash, "header.next_validators_hash");
    r.Array(h.last_commit_hash, "header.last_commit_hash");
    r.Array(h.tx_root, "header.tx_root");
    r.Array(h.state_root, "header.state_root");
    return r.ok();
}

}  // namespace

Hash256 BlockHeader::Hash() const {
    Writer w;
    WriteHeader(w, *this);
    return TaggedHash(Tag::kBlockHash, w.Data());
}

std::vector<uint8_t> BlockHeader::Serialize() const {
    Writer w;
    WriteHeader(w, *this);
    return w.Take();
}

Hash256 Block::ComputeTxRoot() const {
    std::vector<Hash256> ids;
    ids.reserve(txs.size());
    for (const Transaction& tx : txs)
        ids.push_back(tx.Id());
    return MerkleRoot(ids);
}

std::vector<uint8_t> Block::Serialize() const {
    Writer w;
    WriteHeader(w, header);
    last_commit.Write(w);
    w.VarInt(txs.size());
    for (const Transaction& tx : txs)
        WriteTransaction(w, tx);
    return w.Take();
}

size_t Block::EncodedSize() const {
    Writer count;
    count.VarInt(txs.size());
    size_t size = kBlockHeaderSize + last_commit.Encode().size() + count.Data().size();
    for (const Transaction& tx : txs)
        size += tx.Size();
    return size;
}

Result<BlockHead> DecodeBlockHead(std::span<const uint8_t> bytes) {
    Reader r(bytes);
    BlockHead head;
    if (ReadHeader(r, head.header)) CommitCertificate::Read(r, head.last_commit);
    if (!r.ok()) return r.GetError();
    return head;
}

Result<BlockHeader> DecodeBlockHeader(std::span<const uint8_t> bytes) {
    Reader r(bytes);
    BlockHeader h;
    ReadHeader(r, h);
    if (!r.Finish()) return r.GetError();
    return h;
}

Result<Block> DecodeBlock(std::span<const uint8_t> bytes, uint64_t max_txs) {
    Reader r(bytes);
    Block b;
    if (ReadHeader(r, b.header)) CommitCertificate::Read(r, b.last_commit);
    uint64_t count = 0;
    if (r.Count(count, max_txs, "block.tx_count")) {
        // Grow only as transactions actually decode: a small input declaring
        // max_txs transactions must not allocate max_txs of them up front.
        for (uint64_t i = 0; i < count; ++i) {
            std::optional<Transaction> tx;
            if (!ReadTransaction(r, tx)) break;
            b.txs.push_back(std::move(*tx));
        }
    }
    if (!r.Finish()) return r.GetError();
    return b;
}

}  // namespace maillon
