// Args: command-line words (end of options, negative numbers, repeated
// options, bad values) and the config file shared by maillond and
// maillon-cli (the other program's options, unknown names, sections).
#include <boost/test/unit_test.hpp>

#include <fstream>
#include <string>
#include <vector>

#include "common/args.h"
#include "common/options.h"
#include "test/util/setup.h"

using namespace maillon;

namespace {

using maillon::test::TempDir;

Status Parse(Args& args, const std::vector<std::string>& words) {
    std::vector<const char*> argv{"maillon-cli"};
    for (const std::string& w : words)
        argv.push_back(w.c_str());
    return args.ParseCommandLine(static_cast<int>(argv.size()), argv.data());
}

std::string Message(const Status& st) {
    return st.ok() ? std::string() : st.error().message;
}

bool Contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

void Write(const std::string& path, const std::string& text) {
    std::ofstream(path) << text;
}

// Parses `words` (plus -conf=PATH) and reads the config file `text`.
Status ParseWithConfig(Args& args, const TempDir& dir, const std::string& text,
                       std::vector<std::string> words = {}) {
    const std::string path = dir.File("maillon.conf");
    Write(path, text);
    words.push_back("-conf=" + path);
    Status st = Parse(args, words);
    if (!st) return st;
    return args.ReadConfigFile();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(args_tests)

BOOST_AUTO_TEST_CASE(double_dash_ends_the_options) {
    {
        Args args = CliArgs();
        BOOST_REQUIRE_MESSAGE(Parse(args, {"--", "getblockcount", "-dev"}).ok(), "-- first");
        BOOST_CHECK(args.Positional() == (std::vector<std::string>{"getblockcount", "-dev"}));
        BOOST_CHECK(!args.IsSet("dev"));
    }
    {
        Args args = CliArgs();
        BOOST_REQUIRE(Parse(args, {"-dev", "getblockcount", "--"}).ok());
        BOOST_CHECK(args.Positional() == std::vector<std::string>{"getblockcount"});
        BOOST_CHECK(args.GetBool("dev"));
    }
    {
        Args args = CliArgs();
        const Status st = Parse(args, {"getblockhash", "---"});
        BOOST_REQUIRE(!st.ok());
        BOOST_CHECK_MESSAGE(Contains(Message(st), "invalid option '---'"), Message(st));
    }
}

BOOST_AUTO_TEST_CASE(no_word_aborts) {
    const std::vector<std::string> words{"-",
                                         "--",
                                         "---",
                                         "----",
                                         "-=",
                                         "--=",
                                         "-=1",
                                         "---x=1",
                                         "",
                                         "-h",
                                         "--h",
                                         "--dev",
                                         "-dev=",
                                         "-=-",
                                         "-\t",
                                         "--=-",
                                         "-.5",
                                         "-x=",
                                         "-rpcport=99999999999999999999",
                                         "-rpcport=-",
                                         "=",
                                         "-help=",
                                         "-conf"};
    for (const std::string& w : words) {
        for (const auto& argv : {std::vector<std::string>{w}, std::vector<std::string>{"m", w},
                                 std::vector<std::string>{w, w}}) {
            Args args = CliArgs();
            BOOST_CHECK_NO_THROW((void)Parse(args, argv));
        }
    }
}

BOOST_AUTO_TEST_CASE(negative_numbers_are_parameters) {
    Args args = CliArgs();
    BOOST_REQUIRE(Parse(args, {"getblockhash", "-1", "-2.5", "-", "-0"}).ok());
    BOOST_CHECK(args.Positional() ==
                (std::vector<std::string>{"getblockhash", "-1", "-2.5", "-", "-0"}));
    // Options still work anywhere, before or after parameters.
    Args late = CliArgs();
    BOOST_REQUIRE(Parse(late, {"transfer", "-7", "-wait"}).ok());
    BOOST_CHECK(late.GetBool("wait"));
    BOOST_CHECK(late.Positional() == (std::vector<std::string>{"transfer", "-7"}));
}

BOOST_AUTO_TEST_CASE(last_single_value_wins) {
    Args args = CliArgs();
    const Status st = Parse(args, {"-rpcport=1", "-rpcport=2", "-dev", "-dev=0", "getblockcount"});
    BOOST_REQUIRE_MESSAGE(st.ok(), Message(st));
    BOOST_CHECK_EQUAL(args.GetInt("rpcport", 0), 2);
    BOOST_CHECK(!args.GetBool("dev"));

    Args node = NodeArgs();
    BOOST_REQUIRE(Parse(node, {"-rpcbind=127.0.0.1", "-rpcbind=::1"}).ok());
    BOOST_CHECK(node.GetStrings("rpcbind") == (std::vector<std::string>{"127.0.0.1", "::1"}));
}

BOOST_AUTO_TEST_CASE(bad_values_name_the_option) {
    struct Case {
        std::string word, expected;
    };
    for (const Case& c :
         {Case{"-dev=foo", "invalid value 'foo' for -dev: it takes 1 or 0"},
          Case{"-rpcport=abc", "invalid value 'abc' for -rpcport: it takes an integer"},
          Case{"-rpcport=1.5", "for -rpcport: it takes an integer"},
          Case{"-datadir", "-datadir needs a value"}, Case{"-help=1", "-help takes no value"},
          Case{"-nosuch=1", "unknown option '-nosuch'"},
          Case{"-rpcp=1", "unknown option '-rpcp'"}}) {
        Args args = CliArgs();
        const Status st = Parse(args, {c.word, "getblockcount"});
        BOOST_CHECK_MESSAGE(!st.ok() && Contains(Message(st), c.expected),
                            c.word + ": " + Message(st));
    }
    Args args = CliArgs();
    BOOST_CHECK(Parse(args, {"-dev=true", "-testnet=off", "-h"}).ok());
    BOOST_CHECK(args.GetBool("dev"));
    BOOST_CHECK(args.IsSet("help"));
}

BOOST_AUTO_TEST_CASE(config_shared_by_both_programs) {
    TempDir dir;
    const std::string text =
        "# for both programs\n"
        "rpcauth=alice:0123456789abcdef0123456789abcdef$00ff\n"
        "rpcbind=127.0.0.1\n"
        "rpcuser=alice  # comment\n"
        "rpcpassword=s3cret\n"
        "rpcclienttimeout=30\n"
        "printtoconsole=0\n";
    Args cli = CliArgs();
    Status st = ParseWithConfig(cli, dir, text);
    BOOST_REQUIRE_MESSAGE(st.ok(), Message(st));
    BOOST_CHECK_EQUAL(cli.GetString("rpcuser"), "alice");
    BOOST_CHECK_EQUAL(cli.GetString("rpcpassword"), "s3cret");
    BOOST_CHECK(!cli.IsSet("rpcauth"));

    Args node = NodeArgs();
    st = ParseWithConfig(node, dir, text);
    BOOST_REQUIRE_MESSAGE(st.ok(), Message(st));
    BOOST_CHECK(node.GetStrings("rpcauth").size() == 1);
    BOOST_CHECK(!node.IsSet("rpcuser"));
    BOOST_CHECK(!node.GetBool("printtoconsole", true));
}

BOOST_AUTO_TEST_CASE(config_errors_name_option_and_file) {
    TempDir dir;
    const std::string path = dir.File("maillon.conf");
    struct Case {
        std::string text, expected;
    };
    for (const Case& c :
         {Case{"dev=1\nnosuch=1\n", path + " line 2: unknown option 'nosuch'"},
          Case{"rpcport=x\n", "line 1: invalid value 'x' for rpcport: it takes an integer"},
          Case{"rpcport=1\nrpcport=2\n", "line 2: rpcport is already set on line 1"},
          Case{"[regtest]\nrpcport=1\n", "unknown section '[regtest]'"},
          Case{"foo.rpcport=1\n", "unknown option 'foo.rpcport'"},
          Case{"[dev]\ndev=1\n", "put it at the top of the file"},
          Case{"justaword\n", "line 1: expected name=value"},
          Case{"-dev=1\n", "without the leading '-'"}, Case{"---=1\n", "without the leading '-'"},
          Case{"=1\n", "no option name"}, Case{"[dev\n", "not a section header"},
          Case{"conf=/x\n", "command line only"}}) {
        Args args = CliArgs();
        const Status st = ParseWithConfig(args, dir, c.text);
        BOOST_CHECK_MESSAGE(!st.ok() && Contains(Message(st), c.expected),
                            c.text + " -> " + Message(st));
    }
}

BOOST_AUTO_TEST_CASE(config_errors_echo_a_bounded_readable_line) {
    TempDir dir;
    const std::string huge(5'000'000, 'x');
    const std::string junk("\x01\xfe\x1b[2J", 6);
    for (const std::string& text :
         {huge + "\n", "rpcport=" + huge + "\n", "[" + huge + "]\n", "[" + huge + "\n",
          huge + "=1\n", "dev." + huge + "=1\n", junk + "\n"}) {
        Args args = CliArgs();
        const std::string msg = Message(ParseWithConfig(args, dir, text));
        BOOST_CHECK_MESSAGE(!msg.empty() && msg.size() < 600 + dir.File("maillon.conf").size(),
                            msg.substr(0, 600));
        BOOST_CHECK_MESSAGE(msg.find('\x1b') == std::string::npos, msg.substr(0, 600));
    }
    Args args = CliArgs();
    BOOST_CHECK_MESSAGE(Contains(Message(Parse(args, {"-" + huge})), "(5000001 characters)"),
                        "command line");
}

BOOST_AUTO_TEST_CASE(config_sections_per_network) {
    TempDir dir;
    const std::string text =
        "rpcport=7000\n"
        "rpcbind=10.0.0.1\n"
        "[dev]\n"
        "rpcport=7002\n"
        "rpcbind=10.0.0.2\n"
        "[test]\n"
        "rpcport=7001\n"
        "main.rpcclienttimeout=5\n";
    {
        Args args = NodeArgs();
        BOOST_REQUIRE(ParseWithConfig(args, dir, text, {"-dev"}).ok());
        BOOST_CHECK_EQUAL(args.GetInt("rpcport", 0), 7002);
        // A repeatable option takes all its values from one place: the section
        // replaces the top of the file, the command line replaces both.
        BOOST_CHECK(args.GetStrings("rpcbind") == (std::vector<std::string>{"10.0.0.2"}));
        Args cli = NodeArgs();
        BOOST_REQUIRE(
            ParseWithConfig(cli, dir, text, {"-dev", "-rpcbind=1.2.3.4", "-rpcbind=::1"}).ok());
        BOOST_CHECK(cli.GetStrings("rpcbind") == (std::vector<std::string>{"1.2.3.4", "::1"}));
        Args top = NodeArgs();
        BOOST_REQUIRE(ParseWithConfig(top, dir, text, {"-testnet"}).ok());
        BOOST_CHECK(top.GetStrings("rpcbind") == (std::vector<std::string>{"10.0.0.1"}));
    }
    {  // An empty datadir from the file is refused like one on the command line.
        Args args = CliArgs();
        const Status st = ParseWithConfig(args, dir, "datadir=\n");
        BOOST_CHECK_MESSAGE(!st.ok() && Contains(Message(st), "datadir is empty"), Message(st));
    }
    {
        Args args = NodeArgs();
        BOOST_REQUIRE(ParseWithConfig(args, dir, text, {"-testnet"}).ok());
        BOOST_CHECK_EQUAL(args.GetInt("rpcport", 0), 7001);
    }
    {
        Args args = CliArgs();
        BOOST_REQUIRE(ParseWithConfig(args, dir, text).ok());
        BOOST_CHECK_EQUAL(args.GetInt("rpcport", 0), 7000);
        BOOST_CHECK_EQUAL(args.GetInt("rpcclienttimeout", 0), 5);
    }
    {  // The command line wins over the section; dev=1 at the top selects [dev].
        Args args = CliArgs();
        BOOST_REQUIRE(ParseWithConfig(args, dir, "dev=1\n" + text, {"-rpcport=9"}).ok());
        BOOST_CHECK_EQUAL(args.GetInt("rpcport", 0), 9);
        BOOST_CHECK(args.GetBool("dev"));
        Args from_file = CliArgs();
        BOOST_REQUIRE(ParseWithConfig(from_file, dir, "dev=1\n" + text).ok());
        BOOST_CHECK_EQUAL(from_file.GetInt("rpcport", 0), 7002);
        BOOST_CHECK_EQUAL(from_file.Params().name, "dev");
    }
    {  // dev.NAME is the same as NAME in [dev].
        Args args = CliArgs();
        BOOST_REQUIRE(ParseWithConfig(args, dir, "rpcport=1\ndev.rpcport=2\n", {"-dev"}).ok());
        BOOST_CHECK_EQUAL(args.GetInt("rpcport", 0), 2);
    }
}

BOOST_AUTO_TEST_SUITE_END()
