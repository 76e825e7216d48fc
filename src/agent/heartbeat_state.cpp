#include "agent/heartbeat_state.h"

#include "agent/state_file.h"
#include "consensus/tx/heartbeat.h"
#include "consensus/tx_type.h"
#include "util/strencodings.h"

namespace maillon {

namespace {

// The heartbeat the record's "tx" holds, checked against its other fields.
Status CheckRecordTx(const std::string& hex, const ChainParams& params, HeartbeatRecord& r) {
    auto bytes = ParseHex(hex);
    if (!bytes) return StateCorrupt("\"tx\" is not hex");
    auto tx = DecodeTransaction(*bytes);
    if (!tx) return StateCorrupt("\"tx\" does not decode: " + tx.error().message);
    const HeartbeatPayload* hb = HeartbeatOf(*tx);
    if (hb == nullptr) return StateCorrupt("\"tx\" is a " + std::string(tx->Type().Name()));
    if (tx->ChainId() != params.chain_id) {
        return StateCorrupt("\"tx\" is for chain id " + std::to_string(tx->ChainId()) +
                            ", not the " + params.name + " network's " +
                            std::to_string(params.chain_id));
    }
    if (hb->ref_height != r.ref_height ||
        r.interval != hb->ref_height / params.heartbeat_interval_blocks) {
        return StateCorrupt(
            "\"interval\" and \"ref_height\" disagree with the heartbeat in \"tx\"");
    }
    r.device = tx->Payer();
    return Status::Ok();
}

}  // namespace

HeartbeatRecord SignHeartbeat(const ChainParams& params, const PrivKey& device, uint64_t ref_height,
                              const Hash256& ref_hash) {
    const Transaction tx =
        UnsignedHeartbeat(params.chain_id, device.PubKey(), ref_height, ref_hash).Sign(0, device);
    return HeartbeatRecord{ref_height / params.heartbeat_interval_blocks, ref_height,
                           HexStr(tx.Serialize()), device.PubKey()};
}

std::string EncodeHeartbeatRecord(const HeartbeatRecord& record) {
    return EncodeStateObject(
        kHeartbeatRecordVersion,
        {{"interval", record.interval}, {"ref_height", record.ref_height}, {"tx", record.tx_hex}});
}

Result<HeartbeatRecord> DecodeHeartbeatRecord(std::string_view text, const ChainParams& params) {
    auto doc = ParseStateObject(text, kHeartbeatRecordVersion);
    if (!doc) return doc.error();
    HeartbeatRecord r;
    auto interval = StateUInt(*doc, "interval");
    if (!interval) return interval.error();
    auto ref_height = StateUInt(*doc, "ref_height");
    if (!ref_height) return ref_height.error();
    auto tx = StateString(*doc, "tx");
    if (!tx) return tx.error();
    r.interval = *interval;
    r.ref_height = *ref_height;
    r.tx_hex = std::move(*tx);
    if (Status st = CheckRecordTx(r.tx_hex, params, r); !st) return st.error();
    return r;
}

Result<std::optional<HeartbeatRecord>> LoadHeartbeatRecord(const std::string& path,
                                                           const ChainParams& params) {
    auto text = ReadStateFile(path, kMaxHeartbeatRecordSize);
    if (!text) return text.error();
    if (!text->has_value()) return std::optional<HeartbeatRecord>();
    auto record = DecodeHeartbeatRecord(**text, params);
    if (!record) {
        return StateCorrupt(
            "state file " + path + " is damaged: " + record.error().message +
            ". It records the last heartbeat the agent signed; move it away to start "
            "over (the agent then skips the intervals the chain may have counted)");
    }
    return std::optional<HeartbeatRecord>(std::move(*record));
}

Status SaveHeartbeatRecord(const std::string& path, const HeartbeatRecord& record) {
    return WriteStateFile(path, EncodeHeartbeatRecord(record));
}

}  // namespace maillon
