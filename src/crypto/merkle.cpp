#include "crypto/merkle.h"

#include <vector>

#include "crypto/hash_tags.h"

namespace maillon {

Hash256 MerkleRoot(std::span<const Hash256> leaves) {
    if (leaves.empty()) return Hash256{};
    std::vector<Hash256> level;
    level.reserve(leaves.size());
    for (const Hash256& leaf : leaves)
        level.push_back(TaggedHash(Tag::kMerkleLeaf, leaf));
    while (level.size() > 1) {
        size_t out = 0;
        for (size_t i = 0; i + 1 < level.size(); i += 2) {
            level[out++] =
                TaggedHasher(Tag::kMerkleNode).Write(level[i]).Write(level[i + 1]).Finalize();
        }
        if (level.size() % 2) level[out++] = level.back();
        level.resize(out);
    }
    return level[0];
}

}  // namespace maillon
