// The node's RPC methods report storage failures to the node, whichever
// method meets them, so that it stops instead of serving what it cannot read.
#include <boost/test/unit_test.hpp>

#include <leveldb/db.h>

#include <memory>
#include <string>
#include <vector>

#include "chain/chain.h"
#include "chain/mempool.h"
#include "node/rpc_methods.h"
#include "primitives/address.h"
#include "rpc/errors.h"
#include "test/util/setup.h"

using namespace maillon;
using maillon::test::Dev;
using maillon::test::TempDir;

BOOST_AUTO_TEST_SUITE(node_rpc_tests)

BOOST_AUTO_TEST_CASE(a_missing_state_node_stops_the_node) {
    TempDir dir;
    const std::string path = dir.File("chain");
    BOOST_REQUIRE(Chain::Open(path, Dev()));
    {
        // Every state tree node gone, the blocks and the tip left.
        leveldb::DB* raw = nullptr;
        BOOST_REQUIRE(leveldb::DB::Open(leveldb::Options(), path, &raw).ok());
        std::unique_ptr<leveldb::DB> db(raw);
        std::unique_ptr<leveldb::Iterator> it(db->NewIterator(leveldb::ReadOptions()));
        std::vector<std::string> nodes;
        for (it->Seek("n"); it->Valid() && it->key().starts_with("n"); it->Next())
            nodes.push_back(it->key().ToString());
        BOOST_REQUIRE(!nodes.empty());
        for (const std::string& k : nodes)
            BOOST_REQUIRE(db->Delete(leveldb::WriteOptions(), k).ok());
    }
    auto chain = Chain::Open(path, Dev());
    BOOST_REQUIRE(chain);
    Mempool mempool(Dev(), MempoolLimits{});
    NodeContext ctx;
    ctx.chain = chain->get();
    ctx.mempool = &mempool;
    std::vector<Error> reported;
    ctx.on_storage_failure = [&reported](const Error& e) { reported.push_back(e); };
    RpcTable table;
    RegisterNodeRpcMethods(table, ctx);

    const std::string dev = EncodeAddress(Dev().hrp, DevKey().PubKey());
    auto reply = table.Handle(R"({"jsonrpc":"2.0","id":1,"method":"getbalance","params":[")" + dev +
                              R"("]})");
    BOOST_REQUIRE(reply);
    BOOST_CHECK_MESSAGE(reply->find(std::to_string(kRpcDatabaseError)) != std::string::npos,
                        *reply);
    BOOST_REQUIRE_EQUAL(reported.size(), 1U);
    BOOST_CHECK_EQUAL(reported[0].code, "state-node-missing");
    // A request error is not a storage failure.
    reply = table.Handle(R"({"jsonrpc":"2.0","id":2,"method":"getbalance","params":["x"]})");
    BOOST_CHECK_EQUAL(reported.size(), 1U);
}

BOOST_AUTO_TEST_SUITE_END()
