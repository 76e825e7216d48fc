// The mapping from the node's errors to JSON-RPC codes: RpcErrorFor agrees,
// row by row, with the table rpc/errors.h documents (and doc/rpc.md
// publishes).
#include <boost/test/unit_test.hpp>

#include <fstream>
#include <regex>
#include <string>
#include <vector>

#include "rpc/errors.h"

using namespace maillon;

namespace {

struct Row {
    std::vector<std::string> reasons;  // the backquoted names in the first column
    std::string first_column;
    int code;
};

// The rows of the second table in rpc/errors.h's header comment.
std::vector<Row> MappingRows() {
    std::ifstream in(std::string(MAILLON_SOURCE_DIR) + "/rpc/errors.h");
    BOOST_REQUIRE(in);
    std::vector<Row> rows;
    std::string line;
    bool in_mapping = false;
    const std::regex row_re(R"(^// \| (.*?) +\| (-?\d+) +\| .* \|$)");
    const std::regex name_re("`([a-z-]+)`");
    while (std::getline(in, line)) {
        if (line.rfind("// | error ", 0) == 0) in_mapping = true;
        std::smatch m;
        if (!in_mapping || !std::regex_match(line, m, row_re)) continue;
        Row row{{}, m[1], std::stoi(m[2])};
        for (auto it =
                 std::sregex_iterator(row.first_column.begin(), row.first_column.end(), name_re);
             it != std::sregex_iterator(); ++it)
            row.reasons.push_back((*it)[1]);
        rows.push_back(row);
    }
    return rows;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(rpc_errors_tests)

BOOST_AUTO_TEST_CASE(documented_mapping_is_the_code) {
    const std::vector<Row> rows = MappingRows();
    BOOST_REQUIRE_EQUAL(rows.size(), 9U);
    for (const Row& row : rows) {
        BOOST_TEST_CONTEXT(row.first_column) {
            if (row.first_column.rfind("any other of kind", 0) == 0) {
                const ErrorKind kind =
                    row.reasons.at(0) == "invalid" ? ErrorKind::kInvalid : ErrorKind::kPolicy;
                BOOST_CHECK_EQUAL(RpcErrorFor(MakeError(kind, "unlisted-reason", "m")).code,
                                  row.code);
            } else if (row.first_column.rfind("kind", 0) == 0) {
                for (const std::string& name : row.reasons) {
                    const ErrorKind kind = name == "not-found"    ? ErrorKind::kNotFound
                                           : name == "corruption" ? ErrorKind::kCorruption
                                                                  : ErrorKind::kIo;
                    BOOST_CHECK_EQUAL(ErrorKindName(kind), name);
                    BOOST_CHECK_EQUAL(RpcErrorFor(MakeError(kind, "some-code", "m")).code,
                                      row.code);
                }
            } else {
                BOOST_REQUIRE(!row.reasons.empty());
                // A listed reason gets its code whatever its kind.
                for (const std::string& reason : row.reasons) {
                    for (ErrorKind kind : {ErrorKind::kInvalid, ErrorKind::kPolicy}) {
                        BOOST_CHECK_EQUAL(RpcErrorFor(MakeError(kind, reason, "m")).code, row.code);
                    }
                }
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(protocol_doc_codes_are_the_code) {
    // doc/protocol.md section 8 lists every reason code with its RPC code:
    // each must be what RpcErrorFor gives an error of that reason and kind.
    std::ifstream in(std::string(MAILLON_SOURCE_DIR) + "/doc/protocol.md");
    BOOST_REQUIRE(in);
    const std::regex row_re(R"(^\| (`.*`) \| (.*) \| (-?\d+) \|$)");
    const std::regex name_re("`([a-z-]+)`");
    std::string line;
    bool in_section = false;
    size_t reasons = 0;
    while (std::getline(in, line)) {
        if (line.rfind("## ", 0) == 0) in_section = line.rfind("## 8.", 0) == 0;
        std::smatch m;
        if (!in_section || !std::regex_match(line, m, row_re)) continue;
        const std::string names = m[1], where = m[2];
        const int code = std::stoi(m[3]);
        const ErrorKind kind = where.find("policy") != std::string::npos    ? ErrorKind::kPolicy
                               : where.find("storage") != std::string::npos ? ErrorKind::kCorruption
                               : where.rfind("RPC: ", 0) == 0 && code == -8 ? ErrorKind::kNotFound
                                                                            : ErrorKind::kInvalid;
        for (auto it = std::sregex_iterator(names.begin(), names.end(), name_re);
             it != std::sregex_iterator(); ++it) {
            BOOST_CHECK_MESSAGE(RpcErrorFor(MakeError(kind, (*it)[1], "m")).code == code,
                                (*it)[1] << " is documented as " << code);
            ++reasons;
        }
    }
    BOOST_CHECK_GT(reasons, 40U);
}

BOOST_AUTO_TEST_CASE(messages_lead_with_the_reason) {
    BOOST_CHECK_EQUAL(RpcErrorFor(MakeError("nonce-gap", "nonce 9 leaves a gap")).message,
                      "nonce-gap: nonce 9 leaves a gap");
    BOOST_CHECK_EQUAL(
        RpcErrorFor(MakeError(ErrorKind::kNotFound, "not-found", "no block at height 9")).message,
        "no block at height 9");
    const RpcError db = RpcErrorFor(MakeError(ErrorKind::kIo, "db-io", "read failed"));
    BOOST_CHECK_EQUAL(db.code, kRpcDatabaseError);
    BOOST_CHECK_EQUAL(db.message, "db-io: read failed");
    BOOST_CHECK_EQUAL(RpcErrorCodeName(kRpcDatabaseError), "DatabaseError");
}

BOOST_AUTO_TEST_SUITE_END()
