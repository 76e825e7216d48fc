// Reading a key file passphrase: from the file named by option `file_option`
// (-passphrasefile=FILE by default; first line), else from the terminal with
// echo off, else the next line of standard input (so two passphrases can be
// piped in one after the other).
#pragma once

#include <string>

#include "common/args.h"
#include "util/result.h"

namespace maillon {

Result<std::string> ReadPassphrase(const Args& args, const std::string& prompt,
                                   const std::string& file_option = "passphrasefile");

}  // namespace maillon
