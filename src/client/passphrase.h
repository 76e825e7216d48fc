// Reading a key file passphrase: from -passphrasefile=FILE (first line), else
// from the terminal with echo off, else the first line of standard input.
#pragma once

#include <string>

#include "common/args.h"
#include "util/result.h"

namespace maillon {

Result<std::string> ReadPassphrase(const Args& args, const std::string& prompt);

}  // namespace maillon
