#include "common/args.h"

#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <typeinfo>
#include <utility>

#include "util/strencodings.h"

namespace po = boost::program_options;

namespace maillon {

namespace {

// Config file sections, by ChainParams::name.
constexpr const char* kSections[] = {"main", "test", "dev"};

Error OptionError(const std::string& msg) {
    return MakeError("bad-option", msg);
}

Error ConfigError(const std::string& path, int line, const std::string& msg) {
    return MakeError("bad-config",
                     "config file " + path + " line " + std::to_string(line) + ": " + msg);
}

bool IsSection(const std::string& name) {
    for (const char* s : kSections) {
        if (name == s) return true;
    }
    return false;
}

std::string Trim(std::string_view s) {
    const size_t begin = s.find_first_not_of(" \t\r\n");
    if (begin == std::string_view::npos) return "";
    const size_t end = s.find_last_not_of(" \t\r\n");
    return std::string(s.substr(begin, end - begin + 1));
}

const std::type_info& ValueType(const po::option_description& d) {
    const auto* typed = dynamic_cast<const po::typed_value_base*>(d.semantic().get());
    return typed ? typed->value_type() : typeid(void);
}

// Options that collect every value instead of keeping one.
bool IsRepeatable(const po::option_description& d) {
    return d.semantic()->is_composing() || ValueType(d) == typeid(std::vector<std::string>);
}

std::optional<bool> ParseBool(std::string value) {
    for (char& c : value) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    if (value == "1" || value == "true" || value == "yes" || value == "on") return true;
    if (value == "0" || value == "false" || value == "no" || value == "off") return false;
    return std::nullopt;
}

bool IsInt64(const std::string& value) {
    int64_t v = 0;
    const char* end = value.data() + value.size();
    const auto [ptr, ec] = std::from_chars(value.data(), end, v);
    return ec == std::errc() && ptr == end;
}

// The token Boost gets for `value` of option `d`, or nullopt when the option
// does not take that value (`takes` then says what it takes).
std::optional<std::string> CheckValue(const po::option_description& d, const std::string& value,
                                      std::string& takes) {
    const std::type_info& type = ValueType(d);
    if (type == typeid(bool)) {
        takes = "1 or 0 (or true/false)";
        const auto b = ParseBool(value);
        if (!b) return std::nullopt;
        return std::string(*b ? "1" : "0");
    }
    if (type == typeid(int64_t)) {
        takes = "an integer";
        if (!IsInt64(value)) return std::nullopt;
    }
    return value;
}

}  // namespace

std::string HomeDataDir(const std::string& home_dir) {
    const char* home = std::getenv("HOME");
    return std::string(home && *home ? home : ".") + "/" + home_dir;
}

std::string NetworkDir(const std::string& base, const ChainParams& params) {
    std::filesystem::path dir = base;
    if (!params.data_dir.empty()) dir /= params.data_dir;
    return dir.string();
}

Args::Args(po::options_description desc, const po::options_description& foreign,
           DataDirDefaults defaults)
    : m_desc(std::move(desc)), m_defaults(std::move(defaults)) {
    for (const auto& opt : foreign.options())
        m_foreign.insert(opt->long_name());
}

void Args::AddCommonOptions(po::options_description& desc, const DataDirDefaults& defaults) {
    const std::string datadir_help = "Data directory (default: ~/" + defaults.home_dir + ")";
    const std::string conf_help = "Config file (default: <datadir>/" + defaults.conf_file + ")";
    // clang-format off
    desc.add_options()
        ("help,h", "Print this help and exit")
        ("datadir", po::value<std::string>(), datadir_help.c_str())
        ("conf", po::value<std::string>(), conf_help.c_str())
        ("dev", po::value<bool>()->implicit_value(true), "Use the one-validator dev network")
        ("testnet", po::value<bool>()->implicit_value(true), "Use the test network")
        ("rpcport", po::value<int64_t>(), "RPC port (default: 7331, testnet 17331, dev 27331)");
    // clang-format on
}

const po::option_description* Args::Find(const std::string& name) const {
    const po::option_description* d = m_desc.find_nothrow(name, /*approx=*/false);
    if (d == nullptr && name.size() == 1) d = m_desc.find_nothrow("-" + name, /*approx=*/false);
    return d;
}

Status Args::Store(const std::vector<po::option>& options, const std::string& where) {
    po::parsed_options parsed(&m_desc);
    parsed.options = options;
    try {
        // Values already stored are kept (po::store never overwrites a
        // single-valued option); repeatable ones collect the new values.
        po::store(parsed, m_vm);
        po::notify(m_vm);
    } catch (const po::error& e) {
        return MakeError("bad-option", where + ": " + e.what());
    }
    return Status::Ok();
}

Status Args::ParseCommandLine(int argc, const char* const argv[]) {
    std::vector<po::option> options;
    bool only_positional = false;
    for (int i = 1; i < argc; ++i) {
        const std::string word = argv[i] != nullptr ? argv[i] : "";
        // "-" and negative numbers ("-1", "-2.5") are parameters, not options.
        const bool option_like =
            word.size() >= 2 && word[0] == '-' && !(word[1] >= '0' && word[1] <= '9');
        if (only_positional || !option_like) {
            m_positional.push_back(word);
            continue;
        }
        if (word == "--") {  // end of options, as with getopt
            only_positional = true;
            continue;
        }
        const size_t dashes = word[1] == '-' ? 2 : 1;
        const size_t eq = word.find('=');
        const std::string name =
            word.substr(dashes, eq == std::string::npos ? std::string::npos : eq - dashes);
        if (name.empty() || name[0] == '-') {
            return OptionError("invalid option " + QuoteEcho(word) +
                               ": options look like -name or -name=value, and -- alone ends "
                               "the options (see -help)");
        }
        const po::option_description* d = Find(name);
        if (d == nullptr)
            return OptionError("unknown option " + QuoteEcho("-" + name) + " (see -help)");
        const std::string display = "-" + d->long_name();
        std::vector<std::string> tokens;
        if (eq == std::string::npos) {
            if (d->semantic()->min_tokens() > 0) {
                return OptionError(display + " needs a value: write " + display + "=VALUE");
            }
        } else {
            const std::string value = word.substr(eq + 1);
            if (d->semantic()->max_tokens() == 0) {
                return OptionError(display + " takes no value; write " + display + " alone");
            }
            std::string takes;
            const auto token = CheckValue(*d, value, takes);
            if (!token) {
                return OptionError("invalid value " + QuoteEcho(value) + " for " + display +
                                   ": it takes " + takes);
            }
            tokens.push_back(*token);
        }
        options.emplace_back(d->long_name(), tokens);
        options.back().original_tokens = {word};
    }
    // A single-valued option given more than once: the last one wins.
    std::vector<po::option> kept;
    for (size_t i = 0; i < options.size(); ++i) {
        const po::option_description* d = Find(options[i].string_key);
        bool overridden = false;
        for (size_t j = i + 1; j < options.size() && !overridden && !IsRepeatable(*d); ++j) {
            overridden = options[j].string_key == options[i].string_key;
        }
        if (!overridden) kept.push_back(options[i]);
    }
    Status st = Store(kept, "command line");
    if (!st) return st;
    if (IsSet("datadir") && GetString("datadir").empty()) {
        return OptionError("-datadir is empty: give a directory, or leave it out for ~/" +
                           m_defaults.home_dir);
    }
    if (GetBool("dev") && GetBool("testnet")) {
        return OptionError("-dev and -testnet cannot be used together");
    }
    return Status::Ok();
}

Status Args::ReadConfigFile() {
    const bool explicit_conf = IsSet("conf");
    std::string path =
        explicit_conf ? GetString("conf") : BaseDataDir() + "/" + m_defaults.conf_file;
    std::ifstream in(path);
    if (!in) {
        if (explicit_conf) return MakeError("bad-config", "cannot read config file " + path);
        return Status::Ok();
    }
    struct Setting {
        std::string section;  // "" for the top of the file
        po::option option;
        int line;
    };
    std::vector<Setting> settings;
    std::map<std::pair<std::string, std::string>, int> seen;  // (section, name) -> line
    std::string section;
    std::string text;
    int line_no = 0;
    while (std::getline(in, text)) {
        ++line_no;
        const size_t hash = text.find('#');
        if (hash != std::string::npos) text.resize(hash);
        const std::string line = Trim(text);
        if (line.empty()) continue;
        if (line.front() == '[') {
            if (line.back() != ']') {
                return ConfigError(path, line_no,
                                   QuoteEcho(line) + " is not a section header like [dev]");
            }
            section = Trim(line.substr(1, line.size() - 2));
            if (!IsSection(section)) {
                return ConfigError(path, line_no,
                                   "unknown section " + QuoteEcho("[" + section + "]") +
                                       "; the sections are [main], [test] and [dev], each "
                                       "read only on that network");
            }
            continue;
        }
        const size_t eq = line.find('=');
        if (eq == std::string::npos) {
            return ConfigError(path, line_no,
                               "expected name=value (e.g. dev=1), got " + QuoteEcho(line));
        }
        std::string name = Trim(line.substr(0, eq));
        const std::string value = Trim(line.substr(eq + 1));
        std::string scope = section;
        const size_t dot = name.find('.');
        if (dot != std::string::npos) {  // "dev.rpcport=1" is "rpcport=1" in [dev]
            if (!IsSection(name.substr(0, dot))) {
                return ConfigError(path, line_no,
                                   "unknown option " + QuoteEcho(name) +
                                       " (only main., test. and dev. may prefix a name)");
            }
            scope = name.substr(0, dot);
            name = name.substr(dot + 1);
        }
        if (name.empty()) return ConfigError(path, line_no, "no option name before '='");
        if (name[0] == '-') {
            return ConfigError(path, line_no,
                               "write option names without the leading '-' in a config "
                               "file, e.g. dev=1");
        }
        const po::option_description* d = m_desc.find_nothrow(name, /*approx=*/false);
        if (d == nullptr && m_foreign.count(name) > 0) {  // the other program's
            m_foreign_seen.insert(name);
            continue;
        }
        if (d == nullptr) return ConfigError(path, line_no, "unknown option " + QuoteEcho(name));
        if (name == "conf" || d->semantic()->max_tokens() == 0) {
            return ConfigError(path, line_no, "-" + name + " works on the command line only");
        }
        if ((name == "dev" || name == "testnet") && !scope.empty()) {
            return ConfigError(path, line_no,
                               name +
                                   "= selects the network: put it at the top of the file, "
                                   "not in a section");
        }
        std::string takes;
        const auto token = CheckValue(*d, value, takes);
        if (!token) {
            return ConfigError(
                path, line_no,
                "invalid value " + QuoteEcho(value) + " for " + name + ": it takes " + takes);
        }
        if (!IsRepeatable(*d)) {
            auto [it, inserted] = seen.emplace(std::make_pair(scope, name), line_no);
            if (!inserted) {
                return ConfigError(path, line_no,
                                   name + " is already set on line " + std::to_string(it->second) +
                                       "; keep only one of them");
            }
        }
        po::option opt(name, {*token});
        opt.original_tokens = {line};
        settings.push_back({scope, std::move(opt), line_no});
    }

    // The network: the command line, else the top of the file.
    auto top_flag = [&](const std::string& flag) {
        if (IsSet(flag)) return GetBool(flag);
        for (const Setting& s : settings) {
            if (s.section.empty() && s.option.string_key == flag) return s.option.value[0] == "1";
        }
        return false;
    };
    const bool dev = top_flag("dev");
    const bool testnet = top_flag("testnet");
    if (dev && testnet) return OptionError("-dev and -testnet cannot be used together");
    const std::string net = GetParams(dev       ? Network::kDev
                                      : testnet ? Network::kTest
                                                : Network::kMain)
                                .name;
    // Command line, then the network's section, then the top of the file.
    // Store never overwrites a single-valued option; a repeatable one takes
    // its values from the first of those places that sets it, not from all.
    auto unset = [&](std::vector<po::option> options) {
        std::erase_if(options, [&](const po::option& o) {
            return IsSet(o.string_key) && IsRepeatable(*Find(o.string_key));
        });
        return options;
    };
    std::vector<po::option> in_section, at_top;
    for (const Setting& s : settings) {
        if (s.section == net) in_section.push_back(s.option);
        if (s.section.empty()) at_top.push_back(s.option);
    }
    Status st = Store(unset(std::move(in_section)), "config file " + path);
    if (st) st = Store(unset(std::move(at_top)), "config file " + path);
    if (!st) return st;
    if (IsSet("datadir") && GetString("datadir").empty()) {
        return MakeError(
            "bad-config",
            "config file " + path + ": datadir is empty; give a directory or remove the line");
    }
    return Status::Ok();
}

Status Args::Parse(int argc, const char* const argv[]) {
    Status st = ParseCommandLine(argc, argv);
    if (st) st = ReadConfigFile();
    return st;
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
    // Boost writes long options as "--name"; these programs spell them "-name".
    std::string text = out.str();
    for (size_t at = text.find(" --"); at != std::string::npos; at = text.find(" --", at + 2)) {
        const bool option_start =
            at + 3 < text.size() && text[at + 3] >= 'a' && text[at + 3] <= 'z';
        if (option_start) text.erase(at + 1, 1);
    }
    return text;
}

const ChainParams& Args::Params() const {
    if (GetBool("dev")) return GetParams(Network::kDev);
    if (GetBool("testnet")) return GetParams(Network::kTest);
    return GetParams(Network::kMain);
}

std::string Args::BaseDataDir() const {
    if (IsSet("datadir")) return GetString("datadir");
    return HomeDataDir(m_defaults.home_dir);
}

Result<std::string> Args::NetDataDir(bool create) const {
    const std::filesystem::path dir = NetworkDir(BaseDataDir(), Params());
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
