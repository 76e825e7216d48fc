// The options of maillond, maillon-cli and maillon-agent, in one place.
// maillond and maillon-cli read the same <datadir>/maillon.conf, so each
// one's config file accepts (and ignores) the other's options; a name that
// neither knows is still an error. maillon-agent has its own data directory
// (~/.maillon-agent) and config file (maillon-agent.conf), which hold only
// its options.
//
// NodeOptions(), CliOptions() and AgentOptions() hold only the program's own
// options, without the common ones that Args::AddCommonOptions adds
// (-datadir, -dev, ...).
#pragma once

#include <boost/program_options.hpp>

#include "common/args.h"

namespace maillon {

boost::program_options::options_description NodeOptions();
boost::program_options::options_description CliOptions();
boost::program_options::options_description AgentOptions();

// Ready-to-parse Args of each program: common options plus its own, with the
// other program's options accepted in the config file.
Args NodeArgs();
Args CliArgs();
Args AgentArgs();

}  // namespace maillon
