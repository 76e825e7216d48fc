// Reading a key file passphrase: from the file named by option `file_option`
// (-passphrasefile=FILE by default; first line), else from the terminal with
// echo off, else the next line of standard input (so two passphrases can be
// piped in one after the other).
#pragma once

#include <string>

#include "common/args.h"
#include "crypto/key.h"
#include "util/result.h"

namespace maillon {

Result<std::string> ReadPassphrase(const Args& args, const std::string& prompt,
                                   const std::string& file_option = "passphrasefile");

// Reads the passphrase of the key file at `path` (ReadPassphrase, prompt
// "Passphrase for PATH: ") and decrypts the key (common/key_file.h).
Result<PrivKey> UnlockKeyFile(const Args& args, const std::string& path,
                              const std::string& file_option = "passphrasefile");

// A passphrase for a new key file, confirmed: on a terminal it is asked for
// twice; on standard input a second line, if there is one, must repeat the
// first (so scripts that pipe it once keep working); -passphrasefile's first
// line is taken as it is. Two that differ give code "passphrase-mismatch".
Result<std::string> ReadNewPassphrase(const Args& args, const std::string& prompt);

}  // namespace maillon
