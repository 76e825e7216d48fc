// maillon-agent's pure parts: the heartbeat state file (round trip, and a
// damaged or truncated one refused with a message that says what to do),
// the decision which heartbeat to send next, the backoff between attempts to
// reach the node, and the checks of its options.
#include <boost/test/unit_test.hpp>

#include <fstream>
#include <string>
#include <vector>

#include "agent/agent_config.h"
#include "agent/backoff.h"
#include "agent/heartbeat_schedule.h"
#include "agent/heartbeat_state.h"
#include "common/options.h"
#include "consensus/tx/transfer.h"
#include "test/util/setup.h"
#include "util/strencodings.h"

using namespace maillon;

namespace {

using maillon::test::TempDir;

const ChainParams& Dev() {
    return GetParams(Network::kDev);
}

const PrivKey& DeviceKey() {
    static const PrivKey kKey = PrivKey::Generate();
    return kKey;
}

HeartbeatRecord Signed(uint64_t ref_height) {
    Hash256 hash{};
    hash[0] = static_cast<uint8_t>(ref_height);
    return SignHeartbeat(Dev(), DeviceKey(), ref_height, hash);
}

template <typename T>
std::string Message(const Result<T>& r) {
    return r ? std::string() : r.error().message;
}

bool Contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

// The message DecodeHeartbeatRecord gives for `text`; "" when it decodes.
std::string DecodeError(const std::string& text) {
    auto r = DecodeHeartbeatRecord(text, Dev());
    if (r) return "";
    BOOST_CHECK_EQUAL(r.error().code, "state-corrupt");
    return r.error().message;
}

std::string RecordJson(uint64_t interval, uint64_t ref_height, const std::string& tx) {
    return R"({"version":1,"interval":)" + std::to_string(interval) + R"(,"ref_height":)" +
           std::to_string(ref_height) + R"(,"tx":")" + tx + R"("})";
}

Status Parse(Args& args, const std::vector<std::string>& words) {
    std::vector<const char*> argv{"maillon-agent"};
    for (const std::string& w : words)
        argv.push_back(w.c_str());
    return args.ParseCommandLine(static_cast<int>(argv.size()), argv.data());
}

// ParseAgentConfig's error message for `words` ("" when they are fine).
std::string ConfigError(const TempDir& dir, std::vector<std::string> words) {
    Args args = AgentArgs();
    words.push_back("-dev");
    words.push_back("-datadir=" + dir.path.string());
    BOOST_REQUIRE(Parse(args, words).ok());
    auto config = ParseAgentConfig(args);
    return config ? "" : config.error().message;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(agent_tests)

BOOST_AUTO_TEST_CASE(state_record_round_trip) {
    const HeartbeatRecord record = Signed(25);
    BOOST_CHECK_EQUAL(record.interval, 2u);  // dev: 10 blocks an interval
    BOOST_CHECK_EQUAL(record.ref_height, 25u);
    BOOST_CHECK(record.device == DeviceKey().PubKey());
    auto decoded = DecodeHeartbeatRecord(EncodeHeartbeatRecord(record), Dev());
    BOOST_REQUIRE_MESSAGE(decoded.ok(), Message(decoded));
    BOOST_CHECK(*decoded == record);

    TempDir dir;
    const std::string path = dir.File("heartbeat.json");
    auto missing = LoadHeartbeatRecord(path, Dev());
    BOOST_REQUIRE(missing.ok());
    BOOST_CHECK(!missing->has_value());  // a first start
    BOOST_REQUIRE(SaveHeartbeatRecord(path, record).ok());
    const HeartbeatRecord next = Signed(31);
    BOOST_REQUIRE(SaveHeartbeatRecord(path, next).ok());  // replaces it
    auto loaded = LoadHeartbeatRecord(path, Dev());
    BOOST_REQUIRE_MESSAGE(loaded.ok(), Message(loaded));
    BOOST_REQUIRE(loaded->has_value());
    BOOST_CHECK(**loaded == next);
}

BOOST_AUTO_TEST_CASE(state_record_damaged) {
    const HeartbeatRecord r = Signed(25);
    const std::string good = EncodeHeartbeatRecord(r);
    BOOST_CHECK_EQUAL(DecodeError(good), "");
    BOOST_CHECK(Contains(DecodeError(good.substr(0, good.size() / 2)), "truncated"));
    BOOST_CHECK(Contains(DecodeError(""), "not a JSON object"));
    BOOST_CHECK(Contains(DecodeError("[1]"), "not a JSON object"));
    BOOST_CHECK(Contains(DecodeError(R"({"version":2})"), "version 2"));
    BOOST_CHECK(Contains(DecodeError(R"({"version":1,"ref_height":25,"tx":""})"), "\"interval\""));
    BOOST_CHECK(Contains(DecodeError(R"({"version":1,"interval":2,"ref_height":25})"), "\"tx\""));
    BOOST_CHECK(Contains(DecodeError(RecordJson(2, 25, "zz")), "not hex"));
    BOOST_CHECK(Contains(DecodeError(RecordJson(2, 25, r.tx_hex.substr(0, 40))), "not decode"));
    BOOST_CHECK(Contains(DecodeError(RecordJson(3, 25, r.tx_hex)), "disagree"));
    BOOST_CHECK(Contains(DecodeError(RecordJson(2, 24, r.tx_hex)), "disagree"));
    const Transaction transfer =
        UnsignedTransfer(Dev().chain_id, DeviceKey().PubKey(), DeviceKey().PubKey(), 1, 1000, 0)
            .Sign(0, DeviceKey());
    BOOST_CHECK(
        Contains(DecodeError(RecordJson(2, 25, HexStr(transfer.Serialize()))), "is a transfer"));
    auto main_record = DecodeHeartbeatRecord(good, GetParams(Network::kMain));
    BOOST_REQUIRE(!main_record.ok());
    BOOST_CHECK(Contains(main_record.error().message, "chain id 3"));
}

BOOST_AUTO_TEST_CASE(state_file_damaged_says_what_to_do) {
    TempDir dir;
    const std::string path = dir.File("heartbeat.json");
    const std::string good = EncodeHeartbeatRecord(Signed(25));
    std::ofstream(path) << good.substr(0, good.size() - 10);  // cut short by a crash
    auto loaded = LoadHeartbeatRecord(path, Dev());
    BOOST_REQUIRE(!loaded.ok());
    BOOST_CHECK_EQUAL(loaded.error().code, "state-corrupt");
    const std::string& msg = loaded.error().message;
    BOOST_CHECK_MESSAGE(Contains(msg, path) && Contains(msg, "is damaged") &&
                            Contains(msg, "truncated") && Contains(msg, "move it away"),
                        msg);

    std::ofstream(path) << std::string(kMaxHeartbeatRecordSize + 1, ' ');
    loaded = LoadHeartbeatRecord(path, Dev());
    BOOST_REQUIRE(!loaded.ok());
    BOOST_CHECK_EQUAL(loaded.error().code, "file-too-large");
    BOOST_CHECK(Contains(loaded.error().message, path));
}

BOOST_AUTO_TEST_CASE(schedule_signs_once_per_interval) {
    HeartbeatSchedule s(Dev(), std::nullopt, std::nullopt);
    BOOST_CHECK(s.Next(0) == HeartbeatStep::kSign);
    s.Signed(Signed(3));
    BOOST_CHECK(s.Next(3) == HeartbeatStep::kResend);  // not answered yet
    s.Answered();
    BOOST_CHECK(s.Next(3) == HeartbeatStep::kWait);
    BOOST_CHECK(s.Next(9) == HeartbeatStep::kWait);  // still interval 0
    BOOST_CHECK(s.Next(10) == HeartbeatStep::kSign);
    BOOST_CHECK(s.Next(25) == HeartbeatStep::kSign);  // intervals missed are not made up
    BOOST_CHECK_EQUAL(s.IntervalOf(25), 2u);
}

BOOST_AUTO_TEST_CASE(schedule_resends_while_young) {
    // A record loaded at start: it may not have reached the node.
    HeartbeatSchedule s(Dev(), Signed(12), std::nullopt);
    // Dev: a heartbeat may be at most 5 blocks older than the block including it.
    BOOST_CHECK(s.Next(12) == HeartbeatStep::kResend);
    BOOST_CHECK(s.Next(16) == HeartbeatStep::kResend);  // next block 17: 5 blocks
    BOOST_CHECK(s.Next(17) == HeartbeatStep::kWait);    // too old; never signed again
    BOOST_CHECK(s.Next(19) == HeartbeatStep::kWait);
    BOOST_CHECK(s.Next(20) == HeartbeatStep::kSign);
    s.Answered();
    BOOST_CHECK(s.Next(13) == HeartbeatStep::kWait);
    s.MaybeLost();  // the node was down since
    BOOST_CHECK(s.Next(13) == HeartbeatStep::kResend);
}

BOOST_AUTO_TEST_CASE(schedule_behind_and_counted) {
    HeartbeatSchedule behind(Dev(), Signed(25), std::nullopt);
    BOOST_CHECK(behind.Next(19) == HeartbeatStep::kBehind);  // interval 1 < 2
    BOOST_CHECK(behind.Next(24) == HeartbeatStep::kBehind);  // before the block it names
    BOOST_CHECK(behind.Next(30) == HeartbeatStep::kSign);

    // No record, but the chain counted a heartbeat at block 21: it named a
    // block of interval 1 or 2, so both are skipped.
    HeartbeatSchedule counted(Dev(), std::nullopt, 21);
    BOOST_CHECK(counted.Next(21) == HeartbeatStep::kWait);
    BOOST_CHECK(counted.Next(29) == HeartbeatStep::kWait);
    BOOST_CHECK(counted.Next(30) == HeartbeatStep::kSign);
    HeartbeatSchedule at_boundary(Dev(), std::nullopt, 20);  // named 15..19: interval 1
    BOOST_CHECK(at_boundary.Next(20) == HeartbeatStep::kSign);
    // A record wins over the chain's hint.
    HeartbeatSchedule both(Dev(), Signed(12), 21);
    BOOST_CHECK(both.Next(25) == HeartbeatStep::kSign);
}

BOOST_AUTO_TEST_CASE(backoff_doubles_to_the_cap) {
    using std::chrono::milliseconds;
    Backoff b;
    std::vector<int64_t> got;
    for (int i = 0; i < 10; ++i)
        got.push_back(b.Next().count());
    const std::vector<int64_t> want = {250,  500,   1000,  2000,  4000,
                                       8000, 16000, 30000, 30000, 30000};
    BOOST_CHECK_EQUAL_COLLECTIONS(got.begin(), got.end(), want.begin(), want.end());
    BOOST_CHECK_EQUAL(b.Failures(), 10u);
    b.Reset();
    BOOST_CHECK_EQUAL(b.Failures(), 0u);
    BOOST_CHECK(b.Next() == milliseconds(250));
}

BOOST_AUTO_TEST_CASE(config_checks) {
    TempDir dir;
    BOOST_CHECK_EQUAL(ConfigError(dir, {}), "");
    BOOST_CHECK(Contains(ConfigError(dir, {"-register"}), "-register needs -ownerkeyfile"));
    BOOST_CHECK(Contains(ConfigError(dir, {"-register", "-ownerkeyfile=o", "-kinds=uptime,x"}),
                         "-kinds: kinds 'uptime,x'"));
    BOOST_CHECK(Contains(ConfigError(dir, {"-pollinterval=0"}), "-pollinterval must be"));
    BOOST_CHECK(Contains(ConfigError(dir, {"-rpcconnect=127.0.0.1:x"}), "invalid port"));

    Args args = AgentArgs();
    BOOST_REQUIRE(Parse(args, {"-dev", "-datadir=" + dir.path.string(), "-debuglog=agent.log",
                               "-register", "-ownerkeyfile=o", "-kinds=uptime,storage"})
                      .ok());
    auto config = ParseAgentConfig(args);
    BOOST_REQUIRE(config.ok());
    const std::string netdir = dir.File("dev");
    BOOST_CHECK_EQUAL(config->netdir, netdir);
    BOOST_CHECK_EQUAL(config->device_key_path, netdir + "/device.key");
    BOOST_CHECK_EQUAL(config->state_path, netdir + "/heartbeat.json");
    BOOST_CHECK_EQUAL(config->log_path, netdir + "/agent.log");
    BOOST_CHECK_EQUAL(config->kinds, 5);
    BOOST_CHECK(config->poll_interval == std::chrono::milliseconds(1000));  // dev blocks
}

BOOST_AUTO_TEST_CASE(config_file_is_the_agents_own) {
    TempDir dir;
    std::ofstream(dir.File("maillon-agent.conf")) << "dev=1\n[dev]\npollinterval=250\n";
    Args args = AgentArgs();
    BOOST_REQUIRE(Parse(args, {"-datadir=" + dir.path.string()}).ok());
    BOOST_REQUIRE(args.ReadConfigFile().ok());
    BOOST_CHECK_EQUAL(args.Params().name, "dev");
    BOOST_CHECK_EQUAL(args.GetInt("pollinterval", 0), 250);
    BOOST_CHECK(Contains(args.Help(), "~/.maillon-agent"));
    BOOST_CHECK(Contains(args.Help(), "<datadir>/maillon-agent.con"));  // Boost wraps it
}

BOOST_AUTO_TEST_SUITE_END()
