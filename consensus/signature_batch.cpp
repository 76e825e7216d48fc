#include "consensus/signature_batch.h"

#include <map>

namespace maillon {

void SignatureBatch::Add(uint64_t owner, const XOnlyPubKey& key, const Hash256& msg,
                         const SchnorrSig& sig) {
    m_jobs.push_back(Job{owner, key, msg, sig});
}

std::optional<uint64_t> SignatureBatch::FirstFailure() const {
    std::map<XOnlyPubKey, std::optional<ParsedPubKey>> keys;
    std::optional<uint64_t> first;
    for (const Job& job : m_jobs) {
        // Once a failure is known, only smaller owners can change the answer.
        if (first && job.owner >= *first) continue;
        auto it = keys.find(job.key);
        if (it == keys.end()) it = keys.emplace(job.key, ParsedPubKey::Parse(job.key)).first;
        if (!it->second || !it->second->Verify(job.msg, job.sig)) first = job.owner;
    }
    m_keys_parsed = keys.size();
    return first;
}

}  // namespace maillon
