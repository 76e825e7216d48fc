// maillon-agent's service port over real loopback sockets: a ServiceServer
// with its ServiceHandler and real stores in a temporary directory, and
// maillon-cli's ServiceClient (or a raw socket, for bytes no client sends).
// What is checked here is what only the whole path shows: a file stored and
// read back, a deal asked for twice signed once, a bandwidth session refused
// when the consumer's credits do not pay for it, a malformed frame answered
// with an ERROR and the connection closed, and a port that is taken.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "agent/chunk_store.h"
#include "agent/deal_book.h"
#include "agent/receipt_settler.h"
#include "agent/service_handler.h"
#include "agent/service_server.h"
#include "client/service_client.h"
#include "consensus/records.h"
#include "consensus/tx/storage_deal.h"
#include "test/util/setup.h"

using namespace maillon;

namespace {

using namespace maillon::test;

const PrivKey& DeviceKey() {
    static const PrivKey kKey = TestKey(1);
    return kKey;
}
const PrivKey& ClientKey() {
    static const PrivKey kKey = TestKey(3);
    return kKey;
}

// An agent's services on an ephemeral loopback port. `credits` is what the
// node would answer for each consumer; one it does not list cannot be read.
struct Services {
    TempDir dir;
    std::unique_ptr<ChunkStore> chunks;
    std::unique_ptr<DealBook> deals;
    std::unique_ptr<ReceiptStore> receipts;
    ChainView chain;
    std::mutex credits_mutex;  // the server's thread reads what the test sets
    std::map<XOnlyPubKey, uint64_t> credits;
    std::unique_ptr<ServiceHandler> handler;
    std::unique_ptr<ServiceServer> server;

    Services() {
        auto c = ChunkStore::Open(dir.File("storage"), 1 << 20);
        auto d = DealBook::Load(dir.File(kDealsStateFile), Dev(), DeviceKey().PubKey());
        auto r = ReceiptStore::Open(dir.File("receipts"), Dev(), DeviceKey().PubKey());
        BOOST_REQUIRE(c && d && r);
        chunks = std::move(*c);
        deals = std::move(*d);
        receipts = std::move(*r);
        chain.SetKinds(kDeviceStorage | kDeviceBandwidth);
        handler = std::make_unique<ServiceHandler>(
            Dev(), DeviceKey(), DealPolicy{}, ServiceStores{*chunks, *deals, *receipts}, chain,
            [this](const XOnlyPubKey& consumer) -> Result<uint64_t> {
                std::lock_guard lock(credits_mutex);
                auto it = credits.find(consumer);
                if (it == credits.end()) return MakeError("node-unreachable", "no answer");
                return it->second;
            });
        server = std::make_unique<ServiceServer>(ServiceServerOptions{}, *handler);
        Status st = server->Start();
        BOOST_REQUIRE_MESSAGE(st, ErrorText(st));
    }

    void SetCredits(const XOnlyPubKey& consumer, uint64_t n) {
        std::lock_guard lock(credits_mutex);
        credits[consumer] = n;
    }

    ServiceClient Connect() const {
        auto client = ServiceClient::Connect("127.0.0.1", server->Port(), 10);
        BOOST_REQUIRE_MESSAGE(client, ErrorText(client));
        return std::move(*client);
    }
};

// The error code of a call that must fail ("ok" when it did not).
std::string CallCode(ServiceClient& c, const ServiceMessage& request, ServiceMsg reply) {
    return Code(c.Call(request, reply));
}

Status Store(ServiceClient& c, const TestFile& f) {
    PutChunks put{f.root, f.size, f.chunk_size, 0, f.chunks};
    auto reply = c.Call(put, ServiceMsg::kOk);
    if (!reply) return reply.error();
    return Status::Ok();
}

Transaction ClientSignedDeal(const TestFile& f) {
    return UnsignedStorageDeal(Dev().chain_id, ClientKey().PubKey(), DeviceKey().PubKey(),
                               f.Terms(3, 2), Dev().min_tx_fee, 0)
        .Sign(0, ClientKey());
}

}  // namespace

BOOST_AUTO_TEST_SUITE(service_server_tests)

BOOST_AUTO_TEST_CASE(a_file_is_stored_and_read_back_over_the_socket) {
    Services s;
    ServiceClient c = s.Connect();
    auto info = c.Call(InfoRequest{}, ServiceMsg::kInfoReply);
    BOOST_REQUIRE_MESSAGE(info, ErrorText(info));
    BOOST_CHECK(std::get<InfoReply>(*info).device == DeviceKey().PubKey());
    const TestFile f(5000, 512, 3);
    BOOST_REQUIRE_EQUAL(Code(Store(c, f)), "ok");
    auto back = c.Call(GetChunks{f.root, 0, 100}, ServiceMsg::kChunks);
    BOOST_REQUIRE_MESSAGE(back, ErrorText(back));
    BOOST_CHECK(std::get<Chunks>(*back).chunks == f.chunks);
    // A refused request gets an ERROR and the connection stays.
    TestFile other(100, 512, 4);
    BOOST_CHECK_EQUAL(CallCode(c, GetChunks{other.root, 0, 1}, ServiceMsg::kChunks),
                      "unknown-root");
    BOOST_CHECK_EQUAL(Code(c.Call(InfoRequest{}, ServiceMsg::kInfoReply)), "ok");
}

BOOST_AUTO_TEST_CASE(a_deal_asked_for_twice_is_signed_once) {
    Services s;
    ServiceClient c = s.Connect();
    const TestFile f(3000, 256, 5);
    BOOST_REQUIRE_EQUAL(Code(Store(c, f)), "ok");
    const Transaction deal = ClientSignedDeal(f);
    // Before the agent has read the chain's tip, it signs nothing.
    BOOST_CHECK_EQUAL(CallCode(c, SignDeal{deal.Serialize()}, ServiceMsg::kSigned), "busy");
    s.chain.SetTip(42);
    auto first = c.Call(SignDeal{deal.Serialize()}, ServiceMsg::kSigned);
    BOOST_REQUIRE_MESSAGE(first, ErrorText(first));
    // The client lost the answer and asks again, its deal signed anew (other
    // signature bytes, same sighash): the same signed bytes come back.
    const Transaction again = deal.Sign(0, ClientKey());
    BOOST_REQUIRE(again.Serialize() != deal.Serialize());
    auto second = c.Call(SignDeal{again.Serialize()}, ServiceMsg::kSigned);
    BOOST_REQUIRE_MESSAGE(second, ErrorText(second));
    BOOST_CHECK(std::get<SignedDeal>(*first).tx == std::get<SignedDeal>(*second).tx);
    const auto book = s.deals->Deals();
    BOOST_REQUIRE_EQUAL(book.size(), 1U);
    BOOST_CHECK_EQUAL(book[0].signed_height.value_or(0), 42U);
    // And after a restart of the agent, from its deal book.
    auto reloaded = DealBook::Load(s.dir.File(kDealsStateFile), Dev(), DeviceKey().PubKey());
    BOOST_REQUIRE(reloaded);
    BOOST_REQUIRE((*reloaded)->FindBySigHash(deal.SigHash()));
    BOOST_CHECK((*reloaded)->Deals() == book);
}

BOOST_AUTO_TEST_CASE(bandwidth_is_served_only_against_credits_that_pay_for_it) {
    Services s;
    const PrivKey consumer = TestKey(4);
    const BandwidthRequest request{Hash256{9}, consumer.PubKey(), 5000};
    {
        ServiceClient c = s.Connect();  // the node cannot say: try later
        BOOST_CHECK_EQUAL(CallCode(c, request, ServiceMsg::kData), "busy");
    }
    s.SetCredits(consumer.PubKey(), 4);  // 4096 bytes' worth
    {
        ServiceClient c = s.Connect();
        auto refused = c.Call(request, ServiceMsg::kData);
        BOOST_REQUIRE(!refused);
        BOOST_CHECK_EQUAL(refused.error().code, "insufficient-credits");
        BOOST_CHECK_MESSAGE(refused.error().message.find("pay for 4096 bytes") != std::string::npos,
                            refused.error().message);
    }
    s.SetCredits(consumer.PubKey(), 5);
    ServiceClient c = s.Connect();
    auto data = c.Call(request, ServiceMsg::kData);
    BOOST_REQUIRE_MESSAGE(data, ErrorText(data));
    BOOST_CHECK_EQUAL(std::get<Data>(*data).bytes.size(), 5000U);
}

BOOST_AUTO_TEST_CASE(a_malformed_frame_gets_an_error_and_the_connection_closes) {
    Services s;
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    BOOST_REQUIRE(fd >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(s.server->Port());
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    BOOST_REQUIRE_EQUAL(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    // An INFO header (length, then type) that announces a 4 GiB body:
    // refused from the header, before any body is read.
    const uint8_t frame[kFrameHeaderSize] = {0xff, 0xff, 0xff, 0xff, 0x01};
    BOOST_REQUIRE_EQUAL(::send(fd, frame, sizeof frame, 0), static_cast<ssize_t>(sizeof frame));
    std::vector<uint8_t> got;
    uint8_t buf[4096];
    for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;)
        got.insert(got.end(), buf, buf + n);
    ::close(fd);  // the loop ended: the agent closed the connection
    auto reply = DecodeFrame(got, ServicePeer::kAgent);
    BOOST_REQUIRE_MESSAGE(reply, ErrorText(reply));
    const auto* error = std::get_if<ErrorReply>(&*reply);
    BOOST_REQUIRE(error != nullptr);
    BOOST_CHECK_EQUAL(error->code, "frame-too-large");
    // The agent serves the next client.
    ServiceClient c = s.Connect();
    BOOST_CHECK_EQUAL(CallCode(c, InfoRequest{}, ServiceMsg::kInfoReply), "ok");
}

BOOST_AUTO_TEST_CASE(a_taken_port_is_refused_at_start) {
    Services s;
    ServiceServerOptions options;
    options.port = s.server->Port();
    ServiceServer second(options, *s.handler);
    Status st = second.Start();
    BOOST_REQUIRE(!st);
    BOOST_CHECK_EQUAL(st.error().code, "service-bind");
    BOOST_CHECK_MESSAGE(st.error().message.find(std::to_string(options.port)) != std::string::npos,
                        st.error().message);
}

BOOST_AUTO_TEST_SUITE_END()
