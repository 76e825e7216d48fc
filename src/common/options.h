// The options of maillond and maillon-cli, in one place. Both programs read
// the same <datadir>/maillon.conf, so each one's config file accepts (and
// ignores) the other's options; a name that neither knows is still an error.
//
// NodeOptions() and CliOptions() hold only the program's own options, without
// the common ones that Args::AddCommonOptions adds (-datadir, -dev, ...).
#pragma once

#include <boost/program_options.hpp>

#include "common/args.h"

namespace maillon {

boost::program_options::options_description NodeOptions();
boost::program_options::options_description CliOptions();

// Ready-to-parse Args of each program: common options plus its own, with the
// other program's options accepted in the config file.
Args NodeArgs();
Args CliArgs();

}  // namespace maillon
