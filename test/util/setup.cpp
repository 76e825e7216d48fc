#include "test/util/setup.h"

#include <stdlib.h>

#include <array>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <system_error>

#include "crypto/hash.h"

namespace maillon::test {

const ChainParams& Dev() {
    return GetParams(Network::kDev);
}

PrivKey TestKey(uint64_t n) {
    std::array<uint8_t, 8> seed{};
    for (size_t i = 0; i < seed.size(); ++i)
        seed[i] = static_cast<uint8_t>(n >> (8 * i));
    auto key = PrivKey::FromBytes(TaggedHash("MaillonTestKey", seed));
    if (!key) std::abort();  // a tagged hash is a valid scalar with overwhelming probability
    return *key;
}

Transaction UnsignedTransfer(const XOnlyPubKey& sender, const XOnlyPubKey& to, Amount amount,
                             Amount fee, uint64_t nonce, uint32_t chain_id) {
    Transaction tx;
    tx.type = TxType::kTransfer;
    tx.chain_id = chain_id;
    tx.sender = sender;
    tx.nonce = nonce;
    tx.fee = fee;
    tx.payload = SerializeTransfer({to, amount});
    return tx;
}

Transaction MakeTransfer(const PrivKey& from, const XOnlyPubKey& to, Amount amount, Amount fee,
                         uint64_t nonce, uint32_t chain_id) {
    Transaction tx = UnsignedTransfer(from.PubKey(), to, amount, fee, nonce, chain_id);
    tx.Sign(from);
    return tx;
}

Result<Block> DevBlock(const Chain& chain, const std::vector<Transaction>& candidates,
                       uint64_t time_ms) {
    const PrivKey dev = DevKey();
    auto block = chain.AssembleBlock(candidates, dev.PubKey(), time_ms);
    if (block) block->header.proposer_sig = dev.Sign(block->header.Hash());
    return block;
}

Result<Account> MapState::GetAccount(const XOnlyPubKey& address) const {
    auto it = accounts.find(address);
    return it == accounts.end() ? Account{} : it->second;
}

std::string ReadFile(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

std::string VectorPath(const std::string& rel) {
    return std::string(MAILLON_VECTORS_DIR) + "/" + rel;
}

TempDir::TempDir() {
    std::string tmpl = "/tmp/maillon_unit_test.XXXXXX";
    if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    path = tmpl;
}

TempDir::~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
}

}  // namespace maillon::test
