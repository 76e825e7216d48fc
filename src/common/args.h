// Command-line and config-file options, in the style of Bitcoin Core:
// single-dash long options (`-datadir=DIR`, `-dev`, `-printtoconsole=0`) and
// the same names as `key=value` lines in the config file. The command line
// wins over the file. Unknown options are an error that names the option.
//
// Command line: `-name=value` or `--name=value`; a flag alone (`-dev`) means
// `-dev=1`. A word that is not an option is positional, and so are `-` and
// `-` followed by a digit (`-1`, a negative number), and every word after
// `--`. A single-valued option given twice takes the last value; repeatable
// options (-rpcbind, -rpcauth, ...) collect every value.
//
// Config file: `name=value` lines, `#` starts a comment. `[main]`, `[test]`
// and `[dev]` sections (or the `dev.name=value` form) hold settings for one
// network only, which override the top of the file on that network; -dev and
// -testnet themselves go at the top. A repeatable option takes all its values
// from the first place that sets it, in the order command line, the network's
// section, the top of the file: a section's -rpcbind lines replace the top's
// rather than adding to them. A single-valued option set twice in the
// same scope is an error. Names listed as `foreign` (the other program's
// options, see common/options.h) are accepted and ignored.
//
// Also resolves the data directory of the selected network:
//   <datadir>/<params.data_dir>   (main uses <datadir> itself)
// The default -datadir and config file name are the program's
// (DataDirDefaults): maillond and maillon-cli share ~/.maillon and
// maillon.conf; maillon-agent keeps its own ~/.maillon-agent.
#pragma once

#include <boost/program_options.hpp>

#include <set>
#include <string>
#include <vector>

#include "consensus/params.h"
#include "util/result.h"

namespace maillon {

// Where a program keeps its files unless told otherwise: -datadir defaults to
// ~/<home_dir>, -conf to <datadir>/<conf_file>.
struct DataDirDefaults {
    std::string home_dir = ".maillon";
    std::string conf_file = "maillon.conf";
};

// $HOME/<home_dir> (the current directory when HOME is unset).
std::string HomeDataDir(const std::string& home_dir);
// <base>/<params.data_dir>; main uses <base> itself.
std::string NetworkDir(const std::string& base, const ChainParams& params);

class Args {
public:
    // `desc` lists the program's options; AddCommonOptions adds the shared ones.
    // `foreign` lists options the config file may hold for another program.
    explicit Args(boost::program_options::options_description desc,
                  const boost::program_options::options_description& foreign =
                      boost::program_options::options_description(),
                  DataDirDefaults defaults = {});
    static void AddCommonOptions(boost::program_options::options_description& desc,
                                 const DataDirDefaults& defaults = {});

    // Parses argv; words that are not options are collected in Positional().
    Status ParseCommandLine(int argc, const char* const argv[]);
    // Reads -conf (default <datadir>/<conf_file>; a missing default file is fine).
    Status ReadConfigFile();
    // What a program does first: ParseCommandLine, then ReadConfigFile.
    Status Parse(int argc, const char* const argv[]);

    bool IsSet(const std::string& name) const;
    std::string GetString(const std::string& name, const std::string& def = "") const;
    int64_t GetInt(const std::string& name, int64_t def) const;
    bool GetBool(const std::string& name, bool def = false) const;
    // All values of a repeatable option.
    std::vector<std::string> GetStrings(const std::string& name) const;
    const std::vector<std::string>& Positional() const { return m_positional; }
    std::string Help() const;
    // Options of the other program that the config file set (and this one
    // ignored), e.g. "rpcpassword" read by maillond.
    const std::set<std::string>& ForeignConfigOptions() const { return m_foreign_seen; }

    // -dev / -testnet, or main.
    const ChainParams& Params() const;
    // The network's data directory (created if missing when create=true).
    Result<std::string> NetDataDir(bool create) const;
    std::string BaseDataDir() const;

private:
    const boost::program_options::option_description* Find(const std::string& name) const;
    Status Store(const std::vector<boost::program_options::option>& options,
                 const std::string& where);

    boost::program_options::options_description m_desc;
    DataDirDefaults m_defaults;
    std::set<std::string> m_foreign;
    std::set<std::string> m_foreign_seen;
    boost::program_options::variables_map m_vm;
    std::vector<std::string> m_positional;
};

}  // namespace maillon
