#include "chain/mempool_file.h"

#include <algorithm>
#include <array>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "crypto/hash.h"
#include "serialize/codec.h"
#include "util/file.h"

namespace maillon {

namespace {

constexpr std::array<uint8_t, 8> kMagic = {'M', 'L', 'N', 'M', 'P', 'O', 'O', 'L'};
constexpr uint32_t kVersion = 1;
// The whole file is read at once; this bounds that read.
constexpr uint64_t kMaxFileBytes = uint64_t{1} << 32;

Error FileError(const std::string& path, const std::string& what) {
    return MakeError(
        ErrorKind::kCorruption, "mempool-file",
        "mempool file " + path + ": " + what + "; it was set aside and the mempool starts empty");
}

}  // namespace

Status SaveMempool(const Mempool& pool, const ChainParams& params, const std::string& path) {
    const std::vector<Transaction> txs = pool.All();
    Writer w;
    w.Raw(kMagic);
    w.U32(kVersion);
    w.U32(params.chain_id);
    w.VarInt(txs.size());
    for (const Transaction& tx : txs)
        w.Bytes(tx.Serialize());
    w.Raw(Sha256(w.Data()));
    const std::vector<uint8_t>& data = w.Data();
    Status st = WriteFileAtomically(
        path, std::string_view(reinterpret_cast<const char*>(data.data()), data.size()),
        FileReplace::kAlways);
    if (!st) return MakeError(ErrorKind::kIo, "mempool-file", path + ": " + st.error().message);
    return Status::Ok();
}

Result<MempoolLoad> LoadMempool(Mempool& pool, const ChainParams& params, const TipSource& tip,
                                uint64_t now_ms, const std::string& path) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) return MempoolLoad{};
    const auto size = std::filesystem::file_size(path, ec);
    if (ec) return FileError(path, "cannot read its size: " + ec.message());
    // Set aside rather than deleted, so that nothing is lost if it is needed.
    auto set_aside = [&](const std::string& what) {
        std::filesystem::rename(path, path + ".bad", ec);
        return FileError(path, what);
    };
    if (size > kMaxFileBytes) return set_aside("larger than " + std::to_string(kMaxFileBytes));
    std::ifstream in(path, std::ios::binary);
    std::vector<uint8_t> data((std::istreambuf_iterator<char>(in)),
                              std::istreambuf_iterator<char>());
    if (!in.good() && !in.eof()) return set_aside("cannot be read");
    if (data.size() < kMagic.size() + 32) return set_aside("too short");
    const std::span<const uint8_t> body(data.data(), data.size() - 32);
    const Hash256 sum = Sha256(body);
    if (!std::equal(sum.begin(), sum.end(), data.begin() + static_cast<ptrdiff_t>(body.size())))
        return set_aside("checksum mismatch (the file is damaged)");

    Reader r(body);
    std::array<uint8_t, 8> magic{};
    uint32_t version = 0, chain_id = 0;
    uint64_t count = 0;
    r.Array(magic, "magic");
    r.U32(version, "version");
    r.U32(chain_id, "chain_id");
    r.Count(count, kMaxMempoolFileTxs, "count");
    if (!r.ok()) return set_aside(r.GetError().message);
    if (magic != kMagic) return set_aside("not a mempool file");
    if (version != kVersion) return set_aside("version " + std::to_string(version) + " unknown");
    if (chain_id != params.chain_id) return set_aside("written for another chain");

    MempoolLoad out;
    for (uint64_t i = 0; i < count; ++i) {
        std::span<const uint8_t> bytes;
        if (!r.BytesView(bytes, kMaxTxSize, "transaction")) return set_aside(r.GetError().message);
        auto tx = DecodeTransaction(bytes);
        if (tx && pool.Add(*tx, tip, now_ms)) {
            ++out.kept;
        } else {
            ++out.dropped;
        }
    }
    if (!r.Finish()) return set_aside(r.GetError().message);
    return out;
}

}  // namespace maillon
