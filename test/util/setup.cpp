#include "test/util/setup.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <optional>
#include <stdexcept>
#include <system_error>
#include <utility>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "consensus/epoch_rewards.h"
#include "consensus/genesis.h"
#include "consensus/tx/buy_credits.h"
#include "consensus/tx/register_device.h"
#include "consensus/tx/transfer.h"
#include "consensus/tx_verify.h"
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

Transaction MakeTransfer(const PrivKey& from, const XOnlyPubKey& to, Amount amount, Amount fee,
                         uint64_t nonce, uint32_t chain_id) {
    return UnsignedTransfer(chain_id, from.PubKey(), to, amount, fee, nonce).Sign(0, from);
}

Transaction MakeRegisterDevice(const PrivKey& owner, const PrivKey& device, uint8_t kinds,
                               uint64_t nonce, Amount fee) {
    return UnsignedRegisterDevice(Dev().chain_id, owner.PubKey(), device.PubKey(), kinds,
                                  Dev().device_bond, fee, nonce)
        .Sign(0, owner)
        .Sign(1, device);
}

Result<StagedBlock> DevBlock(const Chain& chain, const std::vector<Transaction>& candidates,
                             uint64_t time_ms) {
    return chain.AssembleBlock(candidates, DevKey().PubKey(), time_ms);
}

CommitCertificate DevCommit(const StagedBlock& staged) {
    auto set = ValidatorSet::Make(Dev().genesis_validators);
    const PrivKey keys[] = {DevKey()};
    auto cert = SignCommit(*set, Dev().chain_id, staged.block.header.height, 0, staged.hash, keys);
    if (!cert) std::abort();  // the dev key is the dev network's only validator
    return *cert;
}

Result<Block> ProduceDevBlock(Chain& chain, const std::vector<Transaction>& candidates,
                              uint64_t time_ms) {
    auto staged = DevBlock(chain, candidates, time_ms);
    if (!staged) return staged.error();
    Status st = chain.CommitBlock(*staged, DevCommit(*staged));
    if (!st) return st.error();
    return staged->block;
}

Result<std::optional<StateValue>> MapState::Get(const Hash256& key) const {
    auto it = values.find(key);
    if (it == values.end()) return std::optional<StateValue>();
    return std::optional<StateValue>(it->second);
}

void MapState::Apply(const StateChanges& changes) {
    for (const auto& [key, value] : changes) {
        if (value) {
            values[key] = *value;
        } else {
            values.erase(key);
        }
    }
}

void MapState::SetAccount(const XOnlyPubKey& address, const Account& account) {
    StateOverlay overlay(*this);
    if (!PutAccount(overlay, address, account)) std::abort();
    Apply(overlay.Changes());
}

Account MapState::AccountAt(const XOnlyPubKey& address) const {
    auto acct = GetAccount(*this, address);
    if (!acct) std::abort();  // a MapState never fails to read, and tests write valid records
    return *acct;
}

Result<std::optional<StateValue>> AccountState::Get(const Hash256& key) const {
    for (const auto& [address, account] : accounts) {
        if (AccountKey(address) == key && !account.IsEmpty())
            return std::optional<StateValue>(account.Encode());
    }
    return std::optional<StateValue>();
}

MapState DevGenesisState() {
    MapState state;
    StateOverlay overlay(state);
    if (!WriteGenesisState(Dev(), overlay)) std::abort();
    state.Apply(overlay.Changes());
    return state;
}

TestBlockContext::TestBlockContext(uint64_t height, uint64_t time_ms)
    : ctx{Dev(), height, time_ms, DevKey().PubKey(), recent} {
    const uint64_t keep = Dev().recent_block_hashes;
    for (uint64_t h = height > keep ? height - keep : 0; h < height; ++h) {
        std::array<uint8_t, 8> seed{};
        for (size_t i = 0; i < seed.size(); ++i)
            seed[i] = static_cast<uint8_t>(h >> (8 * i));
        recent.Push(h, TaggedHash("MaillonTestBlock", seed), keep);
    }
}

CommitCertificate ParentCommit(const TestBlockContext& tc) {
    if (tc.ctx.height == 1) return GenesisCommit(*tc.recent.At(0));
    auto set = ValidatorSet::Make(Dev().genesis_validators);
    const PrivKey keys[] = {DevKey()};
    return *SignCommit(*set, Dev().chain_id, tc.ctx.height - 1, 0, *tc.recent.At(tc.ctx.height - 1),
                       keys);
}

Block BlockOf(const TestBlockContext& tc, std::vector<Transaction> txs) {
    Block b;
    b.header.height = tc.ctx.height;
    b.header.proposer = tc.ctx.proposer;
    b.last_commit = ParentCommit(tc);
    b.txs = std::move(txs);
    return b;
}

void CloseEpochsBefore(MapState& state, uint64_t height) {
    uint64_t epoch = EpochOf(height, Dev());
    while (epoch > 0) {  // down to the last closed one
        auto closed = GetEpochRewards(state, epoch - 1);
        if (!closed) std::abort();
        if (closed->has_value()) break;
        --epoch;
    }
    for (; epoch < EpochOf(height, Dev()); ++epoch) {
        StateOverlay ov(state);
        if (!CloseEpoch(ov, Dev(), epoch)) std::abort();
        state.Apply(std::move(ov).TakeChanges());
    }
}

std::string ApplyInBlock(MapState& state, const Transaction& tx, uint64_t height) {
    CloseEpochsBefore(state, height);
    const TestBlockContext tc(height);
    StateOverlay overlay(state);
    const Status st = ApplyTransaction(tc.ctx, tx, overlay);
    if (!st) return st.error().code;
    state.Apply(std::move(overlay).TakeChanges());
    return "ok";
}

MapState StateWithDevice(const PrivKey& owner, const PrivKey& device, uint8_t kinds,
                         const PrivKey& payer, uint64_t credits) {
    MapState state = DevGenesisState();
    state.SetAccount(owner.PubKey(), Account{1'000 * kCoin, 0, 0});
    state.SetAccount(payer.PubKey(), Account{1'000 * kCoin, 0, 0});
    const Transaction buy =
        UnsignedBuyCredits(Dev().chain_id, payer.PubKey(), credits, Dev().min_tx_fee, 0)
            .Sign(0, payer);
    if (ApplyInBlock(state, MakeRegisterDevice(owner, device, kinds), 1) != "ok" ||
        ApplyInBlock(state, buy, 2) != "ok") {
        std::abort();
    }
    return state;
}

std::string ReadFile(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

std::filesystem::path VectorsDir() {
    const char* env = std::getenv("MAILLON_VECTORS_DIR");
    const std::filesystem::path dir =
        env && *env ? std::filesystem::path(env)
                    : std::filesystem::path(MAILLON_SOURCE_DIR) / ".." / "shared" / "vectors";
    return std::filesystem::absolute(dir).lexically_normal();
}

std::string VectorPath(const std::string& rel) {
    const std::filesystem::path dir = VectorsDir();
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec)) {
        const char* env = std::getenv("MAILLON_VECTORS_DIR");
        const std::string where =
            env && *env ? "named by MAILLON_VECTORS_DIR"
                        : "expected at ../shared/vectors relative to the project root " +
                              std::string(MAILLON_SOURCE_DIR);
        throw std::runtime_error("missing folder " + dir.string() +
                                 ": the project's public conformance vectors (" + where +
                                 "), needed for " + rel +
                                 "; put them there, or set MAILLON_VECTORS_DIR to their folder");
    }
    return (dir / rel).string();
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

std::string ToJson(const rapidjson::Value& v) {
    rapidjson::StringBuffer sb;
    rapidjson::Writer<rapidjson::StringBuffer> w(sb);
    v.Accept(w);
    return std::string(sb.GetString(), sb.GetSize());
}

void DropErrorDetail(rapidjson::Value& reply, rapidjson::Document::AllocatorType& a) {
    if (reply.IsArray()) {
        for (rapidjson::Value& entry : reply.GetArray())
            DropErrorDetail(entry, a);
        return;
    }
    if (!reply.IsObject()) return;
    auto error = reply.FindMember("error");
    if (error == reply.MemberEnd() || !error->value.IsObject()) return;
    auto message = error->value.FindMember("message");
    if (message == error->value.MemberEnd() || !message->value.IsString()) return;
    const std::string text = message->value.GetString();
    const std::string bare = text.substr(0, text.find(": "));
    message->value.SetString(bare.c_str(), static_cast<rapidjson::SizeType>(bare.size()), a);
}

std::string CanonicalJson(const rapidjson::Value& v, bool multiset) {
    if (v.IsObject()) {
        std::vector<std::pair<std::string, std::string>> members;
        for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
            const rapidjson::Value name(it->name.GetString(), it->name.GetStringLength());
            members.emplace_back(ToJson(name), CanonicalJson(it->value));
        }
        std::sort(members.begin(), members.end());
        std::string out = "{";
        for (const auto& [k, val] : members)
            out += k + ":" + val + ",";
        return out + "}";
    }
    if (v.IsArray()) {
        std::vector<std::string> items;
        for (const auto& e : v.GetArray())
            items.push_back(CanonicalJson(e));
        if (multiset) std::sort(items.begin(), items.end());
        std::string out = "[";
        for (const auto& s : items)
            out += s + ",";
        return out + "]";
    }
    return ToJson(v);
}

std::vector<SpecExample> SpecExamples() {
    const std::string path = VectorPath("jsonrpc2/examples.json");
    const std::string text = ReadFile(path);
    rapidjson::Document doc;
    doc.Parse(text.data(), text.size());
    if (doc.HasParseError() || !doc.IsArray()) {
        throw std::runtime_error(path + ": missing, or not a JSON array");
    }
    std::vector<SpecExample> examples;
    for (const auto& ex : doc.GetArray()) {
        if (!ex.IsObject() || !ex.HasMember("name") || !ex["name"].IsString() ||
            !ex.HasMember("request") || !ex["request"].IsString() || !ex.HasMember("response")) {
            throw std::runtime_error(path + ": an entry is not {name, request, response}");
        }
        SpecExample& e = examples.emplace_back();
        e.name = ex["name"].GetString();
        e.request = ex["request"].GetString();
        e.response.CopyFrom(ex["response"], e.response.GetAllocator());
    }
    return examples;
}

void RegisterSpecExampleMethods(RpcTable& table, std::atomic<int>& notified) {
    // The examples only use non-negative operands.
    table.Register(RpcMethod{
        "subtract",
        "test",
        "minuend - subtrahend",
        {{"minuend", RpcType::kUInt64, true, ""}, {"subtrahend", RpcType::kUInt64, true, ""}},
        rpc_result::Shape(RpcResult::Type::kAny, "number"),
        [](const RpcRequest& req, rapidjson::Document& result) -> std::optional<RpcError> {
            result.SetInt64(static_cast<int64_t>(req.GetUInt64(0)) -
                            static_cast<int64_t>(req.GetUInt64(1)));
            return std::nullopt;
        }});
    table.Register(RpcMethod{
        "sum",
        "test",
        "a + b + c",
        {{"a", RpcType::kUInt64, false, ""},
         {"b", RpcType::kUInt64, false, ""},
         {"c", RpcType::kUInt64, false, ""}},
        rpc_result::Shape(RpcResult::Type::kAny, "number"),
        [](const RpcRequest& req, rapidjson::Document& result) -> std::optional<RpcError> {
            result.SetUint64(req.GetUInt64(0) + req.GetUInt64(1) + req.GetUInt64(2));
            return std::nullopt;
        }});
    auto count = [&notified](const RpcRequest&, rapidjson::Document&) -> std::optional<RpcError> {
        ++notified;
        return std::nullopt;
    };
    std::vector<RpcParam> five;
    for (const char* n : {"a", "b", "c", "d", "e"})
        five.push_back({n, RpcType::kAny, false, ""});
    table.Register(RpcMethod{"update", "test", "", five, {}, count});
    table.Register(
        RpcMethod{"notify_hello", "test", "", {{"n", RpcType::kAny, false, ""}}, {}, count});
    table.Register(RpcMethod{"notify_sum",
                             "test",
                             "",
                             {{"a", RpcType::kAny, false, ""},
                              {"b", RpcType::kAny, false, ""},
                              {"c", RpcType::kAny, false, ""}},
                             {},
                             count});
    table.Register(
        RpcMethod{"get_data",
                  "test",
                  "",
                  {},
                  rpc_result::Shape(RpcResult::Type::kAny, "[\"hello\", 5]"),
                  [](const RpcRequest&, rapidjson::Document& result) -> std::optional<RpcError> {
                      auto& a = result.GetAllocator();
                      result.SetArray();
                      result.PushBack("hello", a);
                      result.PushBack(5, a);
                      return std::nullopt;
                  }});
}

namespace {

[[noreturn]] void ThrowErrno(const std::string& what) {
    throw std::runtime_error(what + ": " + std::generic_category().message(errno));
}

}  // namespace

int ConnectRaw(uint16_t port, int recv_timeout_seconds) {
    const std::string where = "connect to 127.0.0.1:" + std::to_string(port);
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) ThrowErrno(where + ": socket");
    timeval tv{recv_timeout_seconds, 0};
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    ::inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    if (::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0 ||
        ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
        const int err = errno;
        ::close(fd);
        errno = err;
        ThrowErrno(where);
    }
    return fd;
}

void SendAll(int fd, std::string_view data) {
    size_t sent = 0;
    while (sent < data.size()) {
        const ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) ThrowErrno("send on socket " + std::to_string(fd));
        sent += static_cast<size_t>(n);
    }
}

std::string RawPost(const std::string& authorization, const std::string& body) {
    return "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: " + authorization +
           "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
           "\r\n\r\n" + body;
}

RawResponse ReadResponse(int fd, std::string& buffer) {
    RawResponse r;
    auto fill = [&]() {
        char chunk[4096];
        const ssize_t n = ::recv(fd, chunk, sizeof(chunk), 0);
        if (n <= 0) return false;
        buffer.append(chunk, static_cast<size_t>(n));
        return true;
    };
    size_t end;
    while ((end = buffer.find("\r\n\r\n")) == std::string::npos) {
        if (!fill()) return r;
    }
    r.headers = buffer.substr(0, end + 2);
    buffer.erase(0, end + 4);
    r.status = std::stoi(r.headers.substr(9, 3));
    size_t length = 0;
    const size_t cl = r.headers.find("Content-Length: ");
    if (cl != std::string::npos) length = std::stoul(r.headers.substr(cl + 16));
    while (buffer.size() < length && fill()) {
    }
    r.body = buffer.substr(0, length);
    buffer.erase(0, std::min(length, buffer.size()));
    return r;
}

bool ReadUntilClosed(int fd, std::string& out) {
    char buf[4096];
    for (;;) {
        const ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
        if (n == 0) return true;
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return errno != EAGAIN && errno != EWOULDBLOCK;
        out.append(buf, static_cast<size_t>(n));
    }
}

}  // namespace maillon::test
