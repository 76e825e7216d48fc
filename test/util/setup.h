// Helpers shared by the unit tests (test/unit) and bench_maillon: the dev
// network's parameters, deterministic keys, transfer and block builders, an
// in-memory StateReader (with a device and a funded payer, if asked) and
// transactions applied to it, a small chunked file, a temporary directory, the path of the shared
// test vectors, JSON comparison, the JSON-RPC 2.0 specification's example methods and raw HTTP over
// loopback sockets. No Boost.Test here (the benchmark links this library too): helpers that cannot
// fail in practice abort, as DevKey() does; those that can throw std::runtime_error, which
// Boost.Test reports as a failure of the test case.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <rapidjson/document.h>

#include "chain/chain.h"
#include "consensus/block.h"
#include "consensus/chunk_tree.h"
#include "consensus/params.h"
#include "consensus/records.h"
#include "consensus/state.h"
#include "consensus/transaction.h"
#include "consensus/tx/storage_deal.h"
#include "crypto/key.h"
#include "primitives/amount.h"
#include "rpc/json_rpc.h"
#include "util/result.h"

namespace maillon::test {

// The dev network's parameters (chain id 3, minimum fee 1000, DevKey() the
// only validator and genesis account).
const ChainParams& Dev();

// Deterministic private key number n: the same n gives the same key in every
// test and run, different n give different keys, none of them is DevKey().
PrivKey TestKey(uint64_t n);

// A transfer of `amount` from `from`'s public key to `to`, signed by `from`.
Transaction MakeTransfer(const PrivKey& from, const XOnlyPubKey& to, Amount amount,
                         Amount fee = Dev().min_tx_fee, uint64_t nonce = 0,
                         uint32_t chain_id = Dev().chain_id);

// A device registration by `owner` of `device` (both sign), with the dev
// network's bond.
Transaction MakeRegisterDevice(const PrivKey& owner, const PrivKey& device, uint8_t kinds,
                               uint64_t nonce = 0, Amount fee = Dev().min_tx_fee);

// A block of `candidates` staged on the chain's tip at `time_ms` (those that
// no longer apply are skipped), proposed by the dev validator.
Result<StagedBlock> DevBlock(const Chain& chain, const std::vector<Transaction>& candidates,
                             uint64_t time_ms);
// The dev validator's commit certificate for a staged block.
CommitCertificate DevCommit(const StagedBlock& staged);
// DevBlock, then CommitBlock with DevCommit: the block as the dev producer
// makes it.
Result<Block> ProduceDevBlock(Chain& chain, const std::vector<Transaction>& candidates,
                              uint64_t time_ms);

// An in-memory StateReader: the values in `values`, every other key absent.
class MapState : public StateReader {
public:
    Result<std::optional<StateValue>> Get(const Hash256& key) const override;
    // Writes changes (an overlay's) as a store would.
    void Apply(const StateChanges& changes);
    void SetAccount(const XOnlyPubKey& address, const Account& account);
    Account AccountAt(const XOnlyPubKey& address) const;

    std::map<Hash256, StateValue> values;
};

// A StateReader holding accounts only, set by address, for rules that read
// nothing else (the mempool). Every other record is absent.
class AccountState : public StateReader {
public:
    Result<std::optional<StateValue>> Get(const Hash256& key) const override;
    std::map<XOnlyPubKey, Account> accounts;
};

// The dev network's genesis state.
MapState DevGenesisState();

// A BlockContext for block `height` on the dev network, proposed by the dev
// validator, with made-up hashes for the blocks before it.
struct TestBlockContext {
    explicit TestBlockContext(uint64_t height, uint64_t time_ms = Dev().genesis_time_ms + 1000);
    RecentBlockHashes recent;
    BlockContext ctx;
};

// The certificate block tc.ctx.height carries for its parent: genesis's for
// block 1, else the dev validator's precommit of the parent's made-up hash.
CommitCertificate ParentCommit(const TestBlockContext& tc);
// A block at tc's height, proposed by tc's proposer, with ParentCommit(tc)
// and `txs` (the header's roots are not filled in: ApplyBlock does not read
// them).
Block BlockOf(const TestBlockContext& tc, std::vector<Transaction> txs);

// Closes every dev epoch before `height`'s that no end-block closed (tests
// apply transactions without running whole blocks), as the end-blocks of
// those epochs' last blocks would have. Aborts if one cannot be closed.
void CloseEpochsBefore(MapState& state, uint64_t height);

// Applies tx alone in block `height` (a TestBlockContext) to `state`, keeping
// its changes when it applies: "ok", else its reason code (and `state` is
// unchanged but for CloseEpochsBefore(state, height), done first).
std::string ApplyInBlock(MapState& state, const Transaction& tx, uint64_t height);

// The dev genesis state with `owner` and `payer` funded (1,000 MLN each),
// `device` registered by `owner` with `kinds` in block 1, and `credits` data
// credits bought by `payer` in block 2 (its nonce is then 1). Aborts if any of
// it does not apply.
MapState StateWithDevice(const PrivKey& owner, const PrivKey& device, uint8_t kinds,
                         const PrivKey& payer, uint64_t credits);

// A small file of made-up bytes (byte b is b * 31 + salt) in chunks, its
// chunk tree and the terms of a deal for it.
struct TestFile {
    TestFile(uint64_t size_, uint32_t chunk_size_, uint8_t salt)
        : size(size_), chunk_size(chunk_size_) {
        for (uint64_t at = 0; at < size; at += chunk_size) {
            std::vector<uint8_t> chunk;
            for (uint64_t b = at; b < std::min(size, at + chunk_size); ++b)
                chunk.push_back(static_cast<uint8_t>(b * 31 + salt));
            leaves.push_back(ChunkLeafHash(chunks.size(), chunk));
            chunks.push_back(std::move(chunk));
        }
        root = ChunkRoot(leaves);
    }
    uint64_t Count() const { return chunks.size(); }
    std::vector<Hash256> Path(uint64_t i) const { return ChunkPath(leaves, i); }
    StorageDealPayload Terms(uint32_t duration_epochs, uint64_t price) const {
        StorageDealPayload t;
        t.data_root = root;
        t.size = size;
        t.chunk_size = chunk_size;
        t.duration_epochs = duration_epochs;
        t.price = price;
        return t;
    }

    uint64_t size;
    uint32_t chunk_size;
    std::vector<std::vector<uint8_t>> chunks;
    std::vector<Hash256> leaves;
    Hash256 root{};
};

// "ok" for a successful Result or Status, else its error code: lets a test
// compare outcomes with BOOST_CHECK_EQUAL.
template <typename R>
std::string Code(const R& r) {
    return r.ok() ? std::string("ok") : r.error().code;
}

// "" for a successful Result or Status, else its error message: the text for
// BOOST_REQUIRE_MESSAGE.
template <typename R>
std::string ErrorText(const R& r) {
    return r.ok() ? std::string() : r.error().message;
}

// The whole content of the file at `path`, "" if it cannot be read.
std::string ReadFile(const std::filesystem::path& path);

// The folder of the project's public conformance vectors (BIP340, BIP173,
// BIP350, the JSON-RPC 2.0 specification's examples, JSONTestSuite): kept
// outside the project, expected at ../shared/vectors relative to the project
// root; the environment variable MAILLON_VECTORS_DIR, when set and not empty,
// names another folder instead. An absolute path.
std::filesystem::path VectorsDir();

// Path of `rel` under VectorsDir(). Throws std::runtime_error saying which
// folder is missing, what it is and how to provide it when VectorsDir() is
// not a directory (a missing file inside it is the caller's to report).
std::string VectorPath(const std::string& rel);

// A fresh directory under /tmp, removed with everything in it on destruction.
// Throws std::runtime_error if it cannot be created.
struct TempDir {
    std::filesystem::path path;

    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    // Path of `name` inside the directory.
    std::string File(const std::string& name) const { return (path / name).string(); }
};

// Compact JSON text of `v`.
std::string ToJson(const rapidjson::Value& v);

// The node's error messages are the JSON-RPC specification's text followed by
// ": " and what to fix ("Method not found: \"foobar\" (...)"); the
// specification's examples show the bare text. Cuts every error message of a
// reply (or batch of replies) back to it.
void DropErrorDetail(rapidjson::Value& reply, rapidjson::Document::AllocatorType& a);

// Canonical text of a JSON value, for comparing values rather than texts:
// object members sorted by name (recursively) and, when `multiset` is set and
// `v` is an array, its elements sorted too (batch replies come in any order).
std::string CanonicalJson(const rapidjson::Value& v, bool multiset = false);

// One example of the JSON-RPC 2.0 specification, from
// vectors/jsonrpc2/examples.json.
struct SpecExample {
    std::string name;
    std::string request;           // the request text, to be sent as it is
    rapidjson::Document response;  // the expected reply; null when none is due
};

// The specification's examples, in file order. Throws std::runtime_error if
// the file cannot be read or is not an array of {name, request, response}.
std::vector<SpecExample> SpecExamples();

// Registers into `table` (category "test") the methods that the examples of
// the JSON-RPC 2.0 specification call (vectors/jsonrpc2/examples.json):
// subtract(minuend, subtrahend) and sum(a, b, c) over non-negative integers,
// get_data() -> ["hello", 5], and update(5 optional params),
// notify_hello(n) and notify_sum(a, b, c), which the examples only send as
// notifications: each call of one of those three adds one to `notified`.
// `notified` must outlive the table; the handlers may run on any thread.
// Test-only: these methods exist to replay the specification's examples
// against RpcTable, in process or over HTTP, and are never in the node.
void RegisterSpecExampleMethods(RpcTable& table, std::atomic<int>& notified);

// Raw HTTP/1.1 over loopback, for what HttpPost cannot do: partial requests,
// keep-alive, other methods, watching the server close a connection. The file
// descriptors are the caller's to close.

// A blocking TCP socket connected to 127.0.0.1:port whose reads give up after
// `recv_timeout_seconds`. Throws std::runtime_error if it cannot connect.
int ConnectRaw(uint16_t port, int recv_timeout_seconds);

// Sends all of `data` on fd. Throws std::runtime_error if a send fails.
void SendAll(int fd, std::string_view data);

// "POST /" with `authorization`, a JSON content type and `body`, framed by
// Content-Length.
std::string RawPost(const std::string& authorization, const std::string& body);

struct RawResponse {
    int status{0};  // 0: the connection ended (or the read timed out) before the headers
    std::string headers;
    std::string body;
};

// Reads one HTTP response from fd, its body framed by Content-Length (none: an
// empty body). `buffer` keeps what was read beyond it for the next call.
RawResponse ReadResponse(int fd, std::string& buffer);

// Reads from fd until the peer closes the connection, appending what arrives
// to `out`: true once it is closed (or reset), false when the receive timeout
// expires first.
bool ReadUntilClosed(int fd, std::string& out);

}  // namespace maillon::test
