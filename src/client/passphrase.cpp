#include "client/passphrase.h"

#include <termios.h>
#include <unistd.h>

#include <fstream>
#include <iostream>

#include "common/key_file.h"

namespace maillon {

namespace {

void StripNewline(std::string& s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r'))
        s.pop_back();
}

std::string ReadFromTerminal(const std::string& prompt) {
    std::cerr << prompt << std::flush;
    termios old{};
    tcgetattr(STDIN_FILENO, &old);
    termios noecho = old;
    noecho.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(STDIN_FILENO, TCSANOW, &noecho);
    std::string line;
    std::getline(std::cin, line);
    tcsetattr(STDIN_FILENO, TCSANOW, &old);
    std::cerr << "\n";
    return line;
}

}  // namespace

Result<std::string> ReadPassphrase(const Args& args, const std::string& prompt,
                                   const std::string& file_option) {
    std::string pass;
    if (args.IsSet(file_option)) {
        const std::string path = args.GetString(file_option);
        std::ifstream in(path);
        if (!in) return MakeError("passphrase", "cannot read passphrase file " + path);
        std::getline(in, pass);
    } else if (isatty(STDIN_FILENO)) {
        pass = ReadFromTerminal(prompt);
    } else {
        std::getline(std::cin, pass);
    }
    StripNewline(pass);
    if (pass.empty()) return MakeError("passphrase", "empty passphrase");
    return pass;
}

Result<PrivKey> UnlockKeyFile(const Args& args, const std::string& path,
                              const std::string& file_option) {
    auto pass = ReadPassphrase(args, "Passphrase for " + path + ": ", file_option);
    if (!pass) return pass.error();
    return ReadKeyFile(path, *pass);
}

Result<std::string> ReadNewPassphrase(const Args& args, const std::string& prompt) {
    auto pass = ReadPassphrase(args, prompt);
    if (!pass || args.IsSet("passphrasefile")) return pass;
    std::string again;
    if (isatty(STDIN_FILENO)) {
        again = ReadFromTerminal("Repeat the passphrase: ");
    } else if (!std::getline(std::cin, again)) {
        return pass;
    }
    StripNewline(again);
    if (again != *pass) {
        return MakeError("passphrase-mismatch",
                         "the passphrases differ; no key file was written, try again");
    }
    return pass;
}

}  // namespace maillon
