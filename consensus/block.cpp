#include "primitives/block.h"

#include "crypto/merkle.h"
#include "serialize/codec.h"

namespace maillon {

namespace {

void WriteUnsignedHeader(Writer& w, const BlockHeader& h) {
    w.U32(h.version);
    w.U32(h.chain_id);
    w.U64(h.height);
    w.Raw(h.parent);
    w.U64(h.time_ms);
    w.Raw(h.proposer);
    w.Raw(h.tx_root);
    w.Raw(h.state_root);
}

void WriteHeader(Writer& w, const BlockHeader& h) {
    WriteUnsignedHeader(w, h);
    w.Raw(h.proposer_sig);
}

bool ReadHeader(Reader& r, BlockHeader& h) {
    const size_t version_pos = r.Position();
    if (r.U32(h.version, "header.version") && h.version != kBlockVersion) {
        r.FailAt(version_pos, "header.version",
                 "unknown block version " + std::to_string(h.version));
    }
    r.U32(h.chain_id, "header.chain_id");
    r.U64(h.height, "header.height");
    r.Array(h.parent, "header.parent");
    r.U64(h.time_ms, "header.time_ms");
    r.Array(h.proposer, "header.proposer");
    r.Array(h.tx_root, "header.tx_root");
    r.Array(h.state_root, "header.state_root");
    r.Array(h.proposer_sig, "header.proposer_sig");
    return r.ok();
}

}  // namespace

Hash256 BlockHeader::Hash() const {
    Writer w;
    WriteUnsignedHeader(w, *this);
    return TaggedHash("MaillonBlockHash", w.Data());
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
    w.VarInt(txs.size());
    for (const Transaction& tx : txs)
        WriteTransaction(w, tx);
    return w.Take();
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
    ReadHeader(r, b.header);
    uint64_t count = 0;
    if (r.Count(count, max_txs, "block.tx_count")) {
        // Grow only as transactions actually decode: a small input declaring
        // max_txs transactions must not allocate max_txs of them up front.
        for (uint64_t i = 0; i < count; ++i) {
            Transaction tx;
            if (!ReadTransaction(r, tx)) break;
            b.txs.push_back(std::move(tx));
        }
    }
    if (!r.Finish()) return r.GetError();
    return b;
}

}  // namespace maillon
