// Command-line and config-file options, in the style of Bitcoin Core:
// single-dash long options (`-datadir=DIR`, `-dev`, `-printtoconsole=0`) and
// the same names as `key=value` lines in the config file. The command line
// wins over the file. Unknown options are an error that names the option.
//
// Also resolves the data directory of the selected network:
//   <datadir>/<params.data_dir>   (main uses <datadir> itself)
#pragma once

#include <boost/program_options.hpp>

#include <string>
#include <vector>

#include "consensus/params.h"
#include "util/result.h"

namespace maillon {

class Args {
public:
    // `desc` lists the program's options; AddCommonOptions adds the shared ones.
    explicit Args(boost::program_options::options_description desc);
    static void AddCommonOptions(boost::program_options::options_description& desc);

    // Parses argv; words that are not options are collected in Positional().
    Status ParseCommandLine(int argc, const char* const argv[]);
    // Reads -conf (default <datadir>/maillon.conf; a missing default file is fine).
    Status ReadConfigFile();

    bool IsSet(const std::string& name) const;
    std::string GetString(const std::string& name, const std::string& def = "") const;
    int64_t GetInt(const std::string& name, int64_t def) const;
    bool GetBool(const std::string& name, bool def = false) const;
    // All values of a repeatable option.
    std::vector<std::string> GetStrings(const std::string& name) const;
    const std::vector<std::string>& Positional() const { return m_positional; }
    std::string Help() const;

    // -dev / -testnet, or main.
    const ChainParams& Params() const;
    // The network's data directory (created if missing when create=true).
    Result<std::string> NetDataDir(bool create) const;
    std::string BaseDataDir() const;

private:
    boost::program_options::options_description m_desc;
    boost::program_options::variables_map m_vm;
    std::vector<std::string> m_positional;
};

}  // namespace maillon
