#include "chain/height_mark.h"

#include <filesystem>
#include <fstream>

#include "util/strencodings.h"

namespace maillon {

std::optional<HeightMark> ReadHeightMark(const std::string& path) {
    std::ifstream in(path);
    std::string height_text, hash_text;
    if (!(in >> height_text >> hash_text)) return std::nullopt;
    const auto height = ParseUInt64(height_text);
    const auto hash = ParseHex(hash_text);
    if (!height || !hash || hash->size() != 32) return std::nullopt;
    HeightMark mark;
    mark.height = *height;
    std::copy(hash->begin(), hash->end(), mark.hash.begin());
    return mark;
}

bool WriteHeightMark(const std::string& path, const HeightMark& mark) {
    const std::string tmp = path + ".new";
    {
        std::ofstream out(tmp, std::ios::trunc);
        out << mark.height << ' ' << HexStr(mark.hash) << '\n';
        if (!out.flush()) return false;
    }
    std::error_code ec;
    std::filesystem::rename(tmp, path, ec);
    return !ec;
}

}  // namespace maillon
