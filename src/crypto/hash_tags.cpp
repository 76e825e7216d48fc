#include "crypto/hash_tags.h"

#include <array>
#include <cstdlib>
#include <utility>

namespace maillon {

namespace {

constexpr std::array<std::string_view, 17> kTagNames = {
    "MaillonTxSig",      "MaillonTxId",         "MaillonBlockHash",        "MaillonMerkleLeaf",
    "MaillonMerkleNode", "MaillonStateKey",     "MaillonStateLeaf",        "MaillonStateNode",
    "MaillonVote",       "MaillonValidatorSet", "MaillonCommit",           "MaillonDevKey",
    "MaillonChunkLeaf",  "MaillonChunkNode",    "MaillonStorageChallenge", "MaillonProposer",
    "MaillonP2P",
};
static_assert(kTagNames.size() == static_cast<size_t>(Tag::kP2P) + 1);

}  // namespace

std::string_view TagName(Tag tag) {
    return kTagNames.at(static_cast<size_t>(tag));
}

const HashTag& GetHashTag(Tag tag) {
    static const std::array<HashTag, kTagNames.size()> kTags = [] {
        return [&]<size_t... I>(std::index_sequence<I...>) {
            return std::array<HashTag, kTagNames.size()>{HashTag(kTagNames[I])...};
        }
        (std::make_index_sequence<kTagNames.size()>{});
    }();
    return kTags.at(static_cast<size_t>(tag));
}

}  // namespace maillon
