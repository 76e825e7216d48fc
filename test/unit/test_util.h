// Helpers shared by unit tests.
#pragma once

#include <string>

namespace maillon::test {

// Path of a file under ../shared/vectors (relative to the project root).
inline std::string VectorPath(const std::string& rel) { return std::string(MAILLON_VECTORS_DIR) + "/" + rel; }

}  // namespace maillon::test
