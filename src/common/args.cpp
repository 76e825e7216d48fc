#include "common/args.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace po = boost::program_options;

namespace maillon {

Args::Args(po::options_description desc) : m_desc(std::move(desc)) {}

void Args::AddCommonOptions(po::options_description& desc) {
    // clang-format off
    desc.add_options()
        ("help,h", "Print this help and exit")
        ("datadir", po::value<std::string>(), "Data directory (default: ~/.maillon)")
        ("conf", po::value<std::string>(), "Config file (default: <datadir>/maillon.conf)")
        ("dev", po::value<bool>()->implicit_value(true), "Use the one-validator dev network")
        ("testnet", po::value<bool>()->implicit_value(true), "Use the test network")
        ("rpcport", po::value<int64_t>(), "RPC port (default: 7331, testnet 17331, dev 27331)");
    // clang-format on
}

Status Args::ParseCommandLine(int argc, const char* const argv[]) {
    po::options_description hidden;
    hidden.add_options()("positional", po::value<std::vector<std::string>>());
    po::options_description all;
    all.add(m_desc).add(hidden);
    po::positional_options_description pos;
    pos.add("positional", -1);
    // A flag written without a value (-dev) gets an explicit one (-dev=1), so
    // that it never swallows the next word as its value, as Boost would.
    std::vector<std::string> words(argv + 1, argv + argc);
    for (std::string& w : words) {
        if (w.size() < 2 || w[0] != '-' || w.find('=') != std::string::npos) continue;
        const std::string name = w.substr(w.find_first_not_of('-'));
        const po::option_description* opt = m_desc.find_nothrow(name, /*approx=*/false);
        if (opt && opt->semantic()->min_tokens() == 0 && opt->semantic()->max_tokens() == 1)
            w += "=1";
    }
    try {
        const auto style =
            po::command_line_style::unix_style | po::command_line_style::allow_long_disguise;
        po::store(po::command_line_parser(words).options(all).positional(pos).style(style).run(),
                  m_vm);
        po::notify(m_vm);
    } catch (const po::error& e) {
        return MakeError("bad-option", std::string(e.what()) + " (see -help)");
    }
    if (m_vm.count("positional")) m_positional = m_vm["positional"].as<std::vector<std::string>>();
    if (GetBool("dev") && GetBool("testnet")) {
        return MakeError("bad-option", "-dev and -testnet cannot be used together");
    }
    return Status::Ok();
}

Status Args::ReadConfigFile() {
    const bool explicit_conf = IsSet("conf");
    std::string path = explicit_conf ? GetString("conf") : BaseDataDir() + "/maillon.conf";
    std::ifstream in(path);
    if (!in) {
        if (explicit_conf) return MakeError("bad-config", "cannot read config file " + path);
        return Status::Ok();
    }
    try {
        // Values already set on the command line are kept (po::store never overwrites).
        po::store(po::parse_config_file(in, m_desc, /*allow_unregistered=*/false), m_vm);
        po::notify(m_vm);
    } catch (const po::error& e) {
        return MakeError("bad-config", "config file " + path + ": " + e.what());
    }
    if (GetBool("dev") && GetBool("testnet")) {
        return MakeError("bad-option", "-dev and -testnet cannot be used together");
    }
    return Status::Ok();
}

bool Args::IsSet(const std::string& name) const {
    return m_vm.count(name) > 0;
}

std::string Args::GetString(const std::string& name, const std::string& def) const {
    if (!IsSet(name)) return def;
    const auto& v = m_vm[name].value();
    if (auto s = boost::any_cast<std::string>(&v)) return *s;
    if (auto i = boost::any_cast<int64_t>(&v)) return std::to_string(*i);
    if (auto b = boost::any_cast<bool>(&v)) return *b ? "1" : "0";
    return def;
}

int64_t Args::GetInt(const std::string& name, int64_t def) const {
    if (!IsSet(name)) return def;
    return m_vm[name].as<int64_t>();
}

bool Args::GetBool(const std::string& name, bool def) const {
    if (!IsSet(name)) return def;
    return m_vm[name].as<bool>();
}

std::vector<std::string> Args::GetStrings(const std::string& name) const {
    if (!IsSet(name)) return {};
    return m_vm[name].as<std::vector<std::string>>();
}

std::string Args::Help() const {
    std::ostringstream out;
    out << m_desc;
    return out.str();
}

const ChainParams& Args::Params() const {
    if (GetBool("dev")) return GetParams(Network::kDev);
    if (GetBool("testnet")) return GetParams(Network::kTest);
    return GetParams(Network::kMain);
}

std::string Args::BaseDataDir() const {
    if (IsSet("datadir")) return GetString("datadir");
    const char* home = std::getenv("HOME");
    return std::string(home && *home ? home : ".") + "/.maillon";
}

Result<std::string> Args::NetDataDir(bool create) const {
    std::filesystem::path dir = BaseDataDir();
    if (!Params().data_dir.empty()) dir /= Params().data_dir;
    if (create) {
        std::error_code ec;
        std::filesystem::create_directories(dir, ec);
        if (ec)
            return MakeError("datadir",
                             "cannot create data directory " + dir.string() + ": " + ec.message());
    }
    return dir.string();
}

}  // namespace maillon
