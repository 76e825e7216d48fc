"""An independent implementation of the Maillon protocol (doc/protocol.md), version 1.

Written from doc/protocol.md alone, Python 3.11 standard library only: where the node and this
file disagreed, the C++ was read only to settle which one was wrong, and the document was
corrected where it was. protocol_conformance_test.py and device_conformance_test.py check the
node against it. Not a test itself.

Sections of doc/protocol.md are referred to as §N.

Main entry points (see each docstring):

    secp256k1 / BIP340   PrivateKey(secret32).pubkey() / .sign(msg32, aux=None),
                         bip340_verify(pub32, msg32, sig64), lift_x(x)
    hashes               tagged_hash(tag, data), sha256(data)
    addresses (§3)       encode_address(hrp, pub32), decode_address(hrp, text),
                         bech32_encode / bech32_decode
    params (§5.6)        dev_key(), DEV, TEST, MAIN, NETWORKS
    transactions (§4)    transfer(...), register_device(...), buy_credits(...),
                         retire_device(...), heartbeat(...), bandwidth_receipt(...),
                         storage_deal(...), storage_proof(...), claim_rewards(...) (tables:
                         TX_TYPES, PAYLOADS),
                         Tx, decode_transaction(raw), check_stateless(tx, params),
                         check_signatures(tx), tx_to_json(tx, hrp), replay_key(tx, params),
                         RPC_CODES (§8)
    blocks (§5)          Header, decode_header, Block, decode_block, encode_block,
                         ValidatorSet, decode_validator_set, Certificate, decode_certificate,
                         vote_hash, verify_commit, merkle_root
    state (§6)           state_key, account_key, device_key, retirement_key, activity_key,
                         contribution_key, epoch_totals_key, session_key, deal_key, SUPPLY_KEY,
                         VALIDATORS_KEY, LAST_VALIDATORS_KEY, encode_/decode_ account/supply/
                         device/validators/retirement/activity/contribution/session/deal
                         (tags 7-11: the RECORDS table), contributions, epoch_totals,
                         state_root(records), make_state_proof(records, key),
                         decode_state_proof, verify_state_proof(root, key, proof)
    chunk tree (§6.5)    chunk_count, split_chunks, chunk_leaf, chunk_node, chunk_root,
                         chunk_path, verify_chunk, challenged_chunk, bandwidth_credits
    replay (§4.3-5.6)    genesis_records(params), genesis_header(params), BlockContext,
                         apply_transaction(...), check_block_lanes(txs), apply_block(...),
                         Replay(params) (.apply(raw block), .check(tx, pending): a mempool's
                         verdict), supply_invariant_holds, credits_conserved
    light client (§7)    verify_account_proof(params, pubkey, reply, height=None)
    rewards (§11)        scheduled_emission, epoch_emission, split_emission, compute_share,
                         owner_reward, validator_reward, epoch_rewards(records, epoch),
                         reward_totals, owner_units, decode_epoch_signers
"""

import hashlib
import secrets
from dataclasses import dataclass, field

U64_MAX = (1 << 64) - 1
COIN = 100_000_000

# ==========================================================================
# Hashes (§2)


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


_TAG_CACHE = {}


def tagged_hash(tag: str, data: bytes) -> bytes:
    """TaggedHash(tag, m) = SHA256(SHA256(tag) || SHA256(tag) || m) (BIP340)."""
    prefix = _TAG_CACHE.get(tag)
    if prefix is None:
        t = sha256(tag.encode("ascii"))
        prefix = _TAG_CACHE[tag] = t + t
    return sha256(prefix + data)


# ==========================================================================
# secp256k1 (Jacobian coordinates) and BIP340

P = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFC2F
N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
GX = 0x79BE667EF9DCBBAC55A06295CE870B07029BFCDB2DCE28D959F2815B16F81798
GY = 0x483ADA7726A3C4655DA4FBFC0E1108A8FD17B448A68554199C47D08FFB10D4B8

_INF = (1, 1, 0)  # Jacobian point at infinity (Z = 0)


def _jdouble(pt):
    X1, Y1, Z1 = pt
    if Z1 == 0 or Y1 == 0:
        return _INF
    YY = Y1 * Y1 % P
    S = 4 * X1 * YY % P
    M = 3 * X1 * X1 % P
    X3 = (M * M - 2 * S) % P
    Y3 = (M * (S - X3) - 8 * YY * YY) % P
    Z3 = 2 * Y1 * Z1 % P
    return (X3, Y3, Z3)


def _jadd(p1, p2):
    X1, Y1, Z1 = p1
    X2, Y2, Z2 = p2
    if Z1 == 0:
        return p2
    if Z2 == 0:
        return p1
    Z1Z1 = Z1 * Z1 % P
    Z2Z2 = Z2 * Z2 % P
    U1 = X1 * Z2Z2 % P
    U2 = X2 * Z1Z1 % P
    S1 = Y1 * Z2 * Z2Z2 % P
    S2 = Y2 * Z1 * Z1Z1 % P
    H = (U2 - U1) % P
    R = (S2 - S1) % P
    if H == 0:
        if R == 0:
            return _jdouble(p1)
        return _INF
    HH = H * H % P
    HHH = H * HH % P
    V = U1 * HH % P
    X3 = (R * R - HHH - 2 * V) % P
    Y3 = (R * (V - X3) - S1 * HHH) % P
    Z3 = H * Z1 * Z2 % P
    return (X3, Y3, Z3)


def _jadd_affine(p1, x2, y2):
    """p1 (Jacobian) + (x2, y2) (affine, not infinity)."""
    X1, Y1, Z1 = p1
    if Z1 == 0:
        return (x2, y2, 1)
    Z1Z1 = Z1 * Z1 % P
    U2 = x2 * Z1Z1 % P
    S2 = y2 * Z1 * Z1Z1 % P
    H = (U2 - X1) % P
    R = (S2 - Y1) % P
    if H == 0:
        if R == 0:
            return _jdouble(p1)
        return _INF
    HH = H * H % P
    HHH = H * HH % P
    V = X1 * HH % P
    X3 = (R * R - HHH - 2 * V) % P
    Y3 = (R * (V - X3) - Y1 * HHH) % P
    Z3 = H * Z1 % P
    return (X3, Y3, Z3)


def _to_affine(pt):
    X, Y, Z = pt
    if Z == 0:
        return None
    zi = pow(Z, -1, P)
    zi2 = zi * zi % P
    return (X * zi2 % P, Y * zi2 * zi % P)


_G_TABLE = None  # _G_TABLE[i][j-1] = j * 16^i * G, affine, for i < 64, 1 <= j <= 15


def _g_table():
    global _G_TABLE
    if _G_TABLE is None:
        table = []
        base = (GX, GY, 1)
        for _ in range(64):
            row = []
            acc = base
            for _j in range(15):
                row.append(_to_affine(acc))
                acc = _jadd(acc, base)
            table.append(row)
            base = acc  # 16 * base
        _G_TABLE = table
    return _G_TABLE


def _mul_g(k):
    """k * G (Jacobian), fixed-base comb over 4-bit windows: 64 mixed additions."""
    k %= N
    table = _g_table()
    acc = _INF
    i = 0
    while k:
        j = k & 15
        if j:
            x, y = table[i][j - 1]
            acc = _jadd_affine(acc, x, y)
        k >>= 4
        i += 1
    return acc


def _mul(pt_affine, k):
    """k * pt (Jacobian), 4-bit fixed window."""
    k %= N
    if k == 0:
        return _INF
    x, y = pt_affine
    base = (x, y, 1)
    win = [_INF, base]
    for _ in range(14):
        win.append(_jadd(win[-1], base))
    acc = _INF
    for shift in range((k.bit_length() + 3) // 4 * 4 - 4, -4, -4):
        acc = _jdouble(_jdouble(_jdouble(_jdouble(acc))))
        d = (k >> shift) & 15
        if d:
            acc = _jadd(acc, win[d])
    return acc


def lift_x(x: int):
    """The curve point with x coordinate x and even y (BIP340 lift_x), or None."""
    if x >= P:
        return None
    c = (pow(x, 3, P) + 7) % P
    y = pow(c, (P + 1) // 4, P)
    if y * y % P != c:
        return None
    return (x, y if y % 2 == 0 else P - y)


def is_xonly_point(key: bytes) -> bool:
    """True when the 32 bytes are the x coordinate of a curve point."""
    return len(key) == 32 and lift_x(int.from_bytes(key, "big")) is not None


def _i2b(x):
    return x.to_bytes(32, "big")


def _b2i(b):
    return int.from_bytes(b, "big")


class PrivateKey:
    """A secp256k1 secret key (32 bytes, 1 <= d < n)."""

    def __init__(self, secret: bytes):
        if len(secret) != 32:
            raise ValueError("secret key must be 32 bytes")
        d = _b2i(secret)
        if not 1 <= d < N:
            raise ValueError("secret key out of range")
        self.secret = bytes(secret)
        self._d = d
        self._point = _to_affine(_mul_g(d))
        self._pub = _i2b(self._point[0])

    @classmethod
    def generate(cls):
        while True:
            s = secrets.token_bytes(32)
            if 1 <= _b2i(s) < N:
                return cls(s)

    def pubkey(self) -> bytes:
        """The 32-byte x-only public key."""
        return self._pub

    def sign(self, msg: bytes, aux=None) -> bytes:
        """BIP340 signature of msg (32 bytes for Maillon; any length is allowed, as in the
        BIP340 test vectors). aux: 32 bytes of auxiliary randomness (None: random)."""
        if aux is None:
            aux = secrets.token_bytes(32)
        if len(aux) != 32:
            raise ValueError("aux must be 32 bytes")
        d = self._d if self._point[1] % 2 == 0 else N - self._d
        t = _i2b(d ^ _b2i(tagged_hash("BIP0340/aux", aux)))
        k0 = _b2i(tagged_hash("BIP0340/nonce", t + self._pub + msg)) % N
        if k0 == 0:
            raise ValueError("nonce is zero (negligible probability)")
        R = _to_affine(_mul_g(k0))
        k = k0 if R[1] % 2 == 0 else N - k0
        e = _b2i(tagged_hash("BIP0340/challenge", _i2b(R[0]) + self._pub + msg)) % N
        sig = _i2b(R[0]) + _i2b((k + e * d) % N)
        if not bip340_verify(self._pub, msg, sig):
            raise RuntimeError("BIP340: produced signature does not verify")
        return sig


def bip340_verify(pubkey: bytes, msg: bytes, sig: bytes) -> bool:
    """BIP340 verification, exactly as the BIP specifies."""
    if len(pubkey) != 32 or len(sig) != 64:
        return False
    Pt = lift_x(_b2i(pubkey))
    if Pt is None:
        return False
    r = _b2i(sig[:32])
    s = _b2i(sig[32:])
    if r >= P or s >= N:
        return False
    e = _b2i(tagged_hash("BIP0340/challenge", sig[:32] + pubkey + msg)) % N
    R = _jadd(_mul_g(s), _mul(Pt, N - e))
    Ra = _to_affine(R)
    if Ra is None or Ra[1] % 2 != 0 or Ra[0] != r:
        return False
    return True


# ==========================================================================
# Bech32 / bech32m (BIP173 / BIP350) and addresses (§3)

_CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
BECH32_CONST = 1
BECH32M_CONST = 0x2BC830A3


def _polymod(values):
    gen = [0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3]
    chk = 1
    for v in values:
        b = chk >> 25
        chk = (chk & 0x1FFFFFF) << 5 ^ v
        for i in range(5):
            chk ^= gen[i] if (b >> i) & 1 else 0
    return chk


def _hrp_expand(hrp):
    return [ord(x) >> 5 for x in hrp] + [0] + [ord(x) & 31 for x in hrp]


def bech32_encode(hrp: str, data, const=BECH32M_CONST) -> str:
    values = _hrp_expand(hrp) + list(data)
    pm = _polymod(values + [0] * 6) ^ const
    checksum = [(pm >> 5 * (5 - i)) & 31 for i in range(6)]
    return hrp + "1" + "".join(_CHARSET[d] for d in list(data) + checksum)


def bech32_decode(text: str):
    """Generic BIP173/BIP350 decoding: (hrp lower-case, data 5-bit values without the
    checksum, "bech32" or "bech32m"). Raises ValueError."""
    if any(ord(c) < 33 or ord(c) > 126 for c in text):
        raise ValueError("character out of range")
    if text.lower() != text and text.upper() != text:
        raise ValueError("mixed case")
    if len(text) > 90:
        raise ValueError("overall max length exceeded")
    text = text.lower()
    pos = text.rfind("1")
    if pos < 0:
        raise ValueError("no separator character")
    if pos == 0:
        raise ValueError("empty HRP")
    if pos + 7 > len(text):
        raise ValueError("too short checksum")
    hrp = text[:pos]
    try:
        data = [_CHARSET.index(c) for c in text[pos + 1:]]
    except ValueError:
        raise ValueError("invalid data character") from None
    pm = _polymod(_hrp_expand(hrp) + data)
    if pm == BECH32M_CONST:
        kind = "bech32m"
    elif pm == BECH32_CONST:
        kind = "bech32"
    else:
        raise ValueError("invalid checksum")
    return hrp, data[:-6], kind


def convertbits(data, frombits, tobits, pad=True):
    """Regroups bits; without pad, raises ValueError on non-zero or excess padding."""
    acc = 0
    bits = 0
    out = []
    maxv = (1 << tobits) - 1
    for v in data:
        if v < 0 or v >> frombits:
            raise ValueError("value out of range")
        acc = (acc << frombits) | v
        bits += frombits
        while bits >= tobits:
            bits -= tobits
            out.append((acc >> bits) & maxv)
    if pad:
        if bits:
            out.append((acc << (tobits - bits)) & maxv)
    else:
        if bits >= frombits:
            raise ValueError("excess padding")
        if (acc << (tobits - bits)) & maxv:
            raise ValueError("non-zero padding bits")
    return out


def encode_address(hrp: str, pubkey: bytes) -> str:
    """bech32m(hrp, [0] || convertbits(pubkey, 8->5, pad)) (§3)."""
    if len(pubkey) != 32:
        raise ValueError("a key is 32 bytes")
    return bech32_encode(hrp, [0] + convertbits(pubkey, 8, 5, True), BECH32M_CONST)


def decode_address(hrp: str, text: str) -> bytes:
    """The 32-byte x-only key of an address of network prefix hrp. Raises ValueError on
    every rejection of §3 (and on malformed Bech32 generally)."""
    got_hrp, data, kind = bech32_decode(text)
    if got_hrp != hrp:
        raise ValueError(f"wrong network prefix {got_hrp!r} (expected {hrp!r})")
    if kind != "bech32m":
        raise ValueError("Bech32 (non-m) checksum; addresses use bech32m")
    if not data:
        raise ValueError("no address version")
    if data[0] != 0:
        raise ValueError(f"unknown address version {data[0]}")
    if len(data) - 1 != 52:
        raise ValueError(f"key part is {len(data) - 1} characters, not 52")
    key = bytes(convertbits(data[1:], 5, 8, False))
    if len(key) != 32:
        raise ValueError("key part is not 32 bytes")
    if not is_xonly_point(key):
        raise ValueError("key is not the x coordinate of a curve point")
    return key


# ==========================================================================
# Network parameters (§4.3, §4.4, §5.5, §5.6)


def dev_key() -> PrivateKey:
    """The public dev-network key: TaggedHash("MaillonDevKey", "maillon dev validator 0")."""
    return PrivateKey(tagged_hash("MaillonDevKey", b"maillon dev validator 0"))


_DEV_PUB = dev_key().pubkey()

MIN_TX_FEE = 1000
MAX_TX_SIZE = 4505
MAX_PAYLOAD = 4096
MAX_SIGNERS = 4
MAX_BLOCK_TXS = 18_000  # §5.1: a block's tx count, both lanes of §5.5 (10,000 + 8,000)
MAX_BLOCK_BYTES = 3 * 1024 * 1024  # the whole block's encoding (§5.5)
MAX_LANE_TXS = 10_000  # non-attestations in a block (§5.5)
MAX_LANE_BYTES = 2 * 1024 * 1024
MAX_BLOCK_ATTESTATIONS = 8_000  # attestations in a block (§5.5)
MAX_ATTESTATION_BYTES = 1024 * 1024
MAX_VALIDATORS = 128
MAX_TOTAL_POWER = 1 << 60
MAX_VALUE = 8192
MAX_PROOF_SIBLINGS = 256
RECENT_BLOCKS = 256  # block h is visible to block height when height - 256 <= h < height

# Storage chunk tree (§6.5) and the device services (§4.4)
MAX_CHUNK_SIZE = 2048
MAX_CHUNKS = 1 << 20
MAX_CHUNK_PATH = 20
MAX_DEAL_EPOCHS = 3650
BANDWIDTH_BYTES_PER_CREDIT = 1024
KIND_UPTIME = 1
KIND_BANDWIDTH = 2
KIND_STORAGE = 4

# Parameters every network shares.
_COMMON = {
    "min_tx_fee": MIN_TX_FEE, "credits_per_unit": 1,
    "bandwidth_bytes_per_credit": BANDWIDTH_BYTES_PER_CREDIT, "max_deal_epochs": MAX_DEAL_EPOCHS,
    # §11.1: emission and pools (validators, bandwidth, storage, uptime)
    "max_supply": 84_000_000 * COIN, "pool_bps": (2_000, 3_000, 3_000, 2_000),
    "initial_epoch_emission": 20_000 * COIN, "halving_epochs": 1_461, "owner_cap_bps": 1_000,
}
# Main and test's device-service timings (§4.4), in blocks.
_PUBLIC_TIMINGS = {
    "device_unbond_blocks": 120_960, "epoch_blocks": 17_280, "heartbeat_interval_blocks": 720,
    "heartbeat_max_age_blocks": 60, "receipt_window_blocks": 17_280,
    "storage_proof_window_blocks": 240,
}

DEV = {
    "name": "dev", "chain_id": 3, "hrp": "dmln", **_COMMON,
    "device_bond": 10 * COIN, "device_unbond_blocks": 10, "genesis_time_ms": 1767225600000,
    "epoch_blocks": 60, "heartbeat_interval_blocks": 10, "heartbeat_max_age_blocks": 5,
    "receipt_window_blocks": 60, "storage_proof_window_blocks": 20,
    "initial_epoch_emission": 1_000 * COIN, "halving_epochs": 100, "owner_cap_bps": 5_000,
    "allocations": [(_DEV_PUB, 1_000_000 * COIN)],
    "validators": [(_DEV_PUB, 10_000 * COIN)],
    "genesis_hash": "d6e8a43be33a010ada51e65c723a8c47728c7a81dd9dca6358ace30407df458d",
}
TEST = {
    "name": "test", "chain_id": 2, "hrp": "tmln", **_COMMON, **_PUBLIC_TIMINGS,
    "device_bond": 100 * COIN, "genesis_time_ms": 1795046400000,
    "allocations": [], "validators": [],
    "genesis_hash": "e242449e0a78fc30f0e46cf3089425e25cf64502eea543b2d2828b8f0878a2e5",
}
MAIN = {
    "name": "main", "chain_id": 1, "hrp": "mln", **_COMMON, **_PUBLIC_TIMINGS,
    "device_bond": 100 * COIN, "genesis_time_ms": 1798761600000,
    "allocations": [], "validators": [],
    "genesis_hash": "4a2ce44414600ebadecaa13489cb378ed66b901d79c526c06eabf40a5a1df8b7",
}
NETWORKS = {"dev": DEV, "test": TEST, "main": MAIN}


# ==========================================================================
# Canonical encoding (§1)


class Reader:
    """Reads a canonical encoding; every error names the field and the absolute offset of
    that field's first byte: "<field>: <what> (at byte N)"."""

    def __init__(self, data: bytes, base: int = 0):
        self.data = bytes(data)
        self.pos = 0
        self.base = base  # absolute offset of data[0] in the whole message

    def fail(self, name, what, at=None):
        off = self.base + (self.pos if at is None else at)
        raise ValueError(f"{name}: {what} (at byte {off})")

    def left(self):
        return len(self.data) - self.pos

    def raw(self, n, name):
        if self.left() < n:
            self.fail(name, f"truncated: need {n} bytes, {self.left()} left")
        b = self.data[self.pos:self.pos + n]
        self.pos += n
        return b

    def u8(self, name):
        return self.raw(1, name)[0]

    def u32(self, name):
        return int.from_bytes(self.raw(4, name), "little")

    def u64(self, name):
        return int.from_bytes(self.raw(8, name), "little")

    def varint(self, name):
        start = self.pos
        value = 0
        for i in range(10):
            if self.pos >= len(self.data):
                self.fail(name, "truncated varint", start)
            b = self.data[self.pos]
            self.pos += 1
            if i == 9 and b > 1:
                self.fail(name, "varint above 2^64-1" if b & 0x80 == 0 or b > 0x81
                          else "varint longer than 10 bytes", start)
            value |= (b & 0x7F) << (7 * i)
            if not b & 0x80:
                if b == 0 and i > 0:
                    self.fail(name, "non-minimal varint", start)
                return value
        self.fail(name, "varint longer than 10 bytes", start)

    def bytes_(self, name, limit):
        start = self.pos
        n = self.varint(name)
        if n > limit:
            self.fail(name, f"length {n} above the limit {limit}", start)
        if self.left() < n:
            self.fail(name, f"truncated: need {n} bytes, {self.left()} left", start)
        return self.raw(n, name)

    def end(self, name):
        if self.left():
            self.fail(name, f"trailing bytes: {self.left()} left over")


def enc_varint(v: int) -> bytes:
    if not 0 <= v <= U64_MAX:
        raise ValueError("varint out of range")
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def enc_bytes(b: bytes) -> bytes:
    return enc_varint(len(b)) + b


def u8(v):
    return bytes([v])


def u32(v):
    return v.to_bytes(4, "little")


def u64(v):
    return v.to_bytes(8, "little")


# ==========================================================================
# Transactions (§4)

TX_TRANSFER = 1
TX_REGISTER_DEVICE = 2
TX_BUY_CREDITS = 3
TX_RETIRE_DEVICE = 4
TX_HEARTBEAT = 5
TX_BANDWIDTH_RECEIPT = 6
TX_STORAGE_DEAL = 7
TX_STORAGE_PROOF = 8
TX_CLAIM_REWARDS = 9
# Each type's name and roles, in signer order.
TX_TYPES = {
    TX_TRANSFER: ("transfer", ("sender",)),
    TX_REGISTER_DEVICE: ("register_device", ("owner", "device")),
    TX_BUY_CREDITS: ("buy_credits", ("sender",)),
    TX_RETIRE_DEVICE: ("retire_device", ("owner",)),
    TX_HEARTBEAT: ("heartbeat", ("device",)),
    TX_BANDWIDTH_RECEIPT: ("bandwidth_receipt", ("device", "consumer")),
    TX_STORAGE_DEAL: ("storage_deal", ("client", "device")),
    TX_STORAGE_PROOF: ("storage_proof", ("device",)),
    TX_CLAIM_REWARDS: ("claim_rewards", ("sender",)),
}
# Attestations (§4.3): no fee, no nonce, no payer account touched; their own block lane.
ATTESTATIONS = frozenset({TX_HEARTBEAT, TX_BANDWIDTH_RECEIPT, TX_STORAGE_PROOF})
DEVICE_KINDS = KIND_UPTIME | KIND_BANDWIDTH | KIND_STORAGE

# The payload layouts of §4.4, field by field. Field kinds:
#   key    [32], an x-only key (an address in JSON)
#   hash   [32] (hex in JSON)
#   u8 / u32 / u64
#   chunk  bytes of 1..2048 (hex in JSON)
#   path   varint count (<= 20) x [32] (a list of hex in JSON)
PAYLOADS = {
    TX_TRANSFER: (("to", "key"), ("amount", "u64")),
    TX_REGISTER_DEVICE: (("kinds", "u8"), ("bond", "u64")),
    TX_BUY_CREDITS: (("amount", "u64"),),
    TX_RETIRE_DEVICE: (("device", "key"),),
    TX_HEARTBEAT: (("ref_height", "u64"), ("ref_hash", "hash")),
    TX_BANDWIDTH_RECEIPT: (("session", "hash"), ("bytes", "u64"), ("ref_height", "u64")),
    TX_STORAGE_DEAL: (("data_root", "hash"), ("size", "u64"), ("chunk_size", "u32"),
                      ("duration_epochs", "u32"), ("price", "u64")),
    TX_STORAGE_PROOF: (("deal", "hash"), ("epoch", "u64"), ("chunk", "chunk"),
                       ("path", "path")),
    TX_CLAIM_REWARDS: (),
}
# Fields that §4.5's JSON does not show.
JSON_OMITS = {TX_STORAGE_PROOF: ("chunk", "path")}
# The cost of §4.4: the payload field it is, or 0.
COST_FIELD = {TX_TRANSFER: "amount", TX_REGISTER_DEVICE: "bond", TX_BUY_CREDITS: "amount"}


def _encode_field(kind, value) -> bytes:
    if kind in ("key", "hash"):
        if len(value) != 32:
            raise ValueError("a key or hash is 32 bytes")
        return bytes(value)
    if kind == "u8":
        return u8(value)
    if kind == "u32":
        return u32(value)
    if kind == "u64":
        return u64(value)
    if kind == "chunk":
        return enc_bytes(bytes(value))
    if kind == "path":
        return enc_varint(len(value)) + b"".join(bytes(e) for e in value)
    raise ValueError(f"unknown field kind {kind}")


def _read_field(r: "Reader", name, kind):
    if kind in ("key", "hash"):
        return r.raw(32, name)
    if kind == "u8":
        return r.u8(name)
    if kind == "u32":
        return r.u32(name)
    if kind == "u64":
        return r.u64(name)
    if kind == "chunk":
        start = r.pos
        chunk = r.bytes_(name, MAX_CHUNK_SIZE)
        if not chunk:
            r.fail(name, "empty chunk (1 to 2048 bytes)", start)
        return chunk
    if kind == "path":
        start = r.pos
        n = r.varint(name)
        if n > MAX_CHUNK_PATH:
            r.fail(name, f"{n} path entries, at most {MAX_CHUNK_PATH}", start)
        return [r.raw(32, name) for _ in range(n)]
    raise ValueError(f"unknown field kind {kind}")


def _field_json(kind, value, hrp):
    if kind == "key":
        return encode_address(hrp, value)
    if kind in ("hash", "chunk"):
        return value.hex()
    if kind == "path":
        return [e.hex() for e in value]
    return value


@dataclass
class Tx:
    version: int
    type: int
    chain_id: int
    fee: int
    nonce: int
    signers: list
    payload: bytes
    signatures: list
    fields: dict = field(default_factory=dict)  # the payload's decoded fields

    # payload field shortcuts
    def __getattr__(self, name):
        f = self.__dict__.get("fields", {})
        if name in f:
            return f[name]
        raise AttributeError(name)

    @property
    def type_name(self):
        return TX_TYPES[self.type][0]

    @property
    def roles(self):
        return TX_TYPES[self.type][1]

    @property
    def payer(self):
        return self.signers[0]

    @property
    def is_attestation(self):
        return self.type in ATTESTATIONS

    def cost(self):
        """The type's cost (§4.4), in base units: 0 for types 4 to 8."""
        if self.type not in TX_TYPES:
            raise ValueError("unknown type")
        name = COST_FIELD.get(self.type)
        return self.fields[name] if name else 0

    def signing_data(self) -> bytes:
        """Every byte before the signatures (§4.2)."""
        return (u8(self.version) + u8(self.type) + u32(self.chain_id) + u64(self.fee) +
                u64(self.nonce) + enc_varint(len(self.signers)) + b"".join(self.signers) +
                enc_bytes(self.payload))

    def sighash(self) -> bytes:
        return tagged_hash("MaillonTxSig", self.signing_data())

    def sign(self, role_index: int, key: PrivateKey, aux=None):
        """Signs the sighash with key as role role_index (the key must be that role's)."""
        if key.pubkey() != self.signers[role_index]:
            raise ValueError(f"key is not the signer of role {role_index}")
        self.signatures[role_index] = key.sign(self.sighash(), aux)
        return self

    def serialize(self) -> bytes:
        return self.signing_data() + b"".join(self.signatures)

    def txid(self) -> bytes:
        return tagged_hash("MaillonTxId", self.serialize())

    def size(self):
        return len(self.serialize())


def _make_tx(tx_type, chain_id, signers, fields, fee, nonce):
    """An unsigned transaction whose payload is encoded from fields by PAYLOADS."""
    fields = dict(fields)
    payload = b"".join(_encode_field(kind, fields[name]) for name, kind in PAYLOADS[tx_type])
    return Tx(1, tx_type, chain_id, fee, nonce, [bytes(k) for k in signers], payload,
              [bytes(64)] * len(signers), fields)


def transfer(chain_id, sender_pub, to_pub, amount, fee, nonce) -> Tx:
    """An unsigned transfer (type 1); sign it with .sign(0, key)."""
    return _make_tx(TX_TRANSFER, chain_id, [sender_pub], {"to": bytes(to_pub), "amount": amount},
                    fee, nonce)


def register_device(chain_id, owner_pub, device_pub, kinds, bond, fee, nonce) -> Tx:
    """An unsigned register_device (type 2); roles 0 = owner, 1 = device."""
    return _make_tx(TX_REGISTER_DEVICE, chain_id, [owner_pub, device_pub],
                    {"kinds": kinds, "bond": bond}, fee, nonce)


def buy_credits(chain_id, buyer_pub, amount, fee, nonce) -> Tx:
    """An unsigned buy_credits (type 3); sign it with .sign(0, key)."""
    return _make_tx(TX_BUY_CREDITS, chain_id, [buyer_pub], {"amount": amount}, fee, nonce)


def retire_device(chain_id, owner_pub, device_pub, fee, nonce) -> Tx:
    """An unsigned retire_device (type 4); sign it with .sign(0, owner key)."""
    return _make_tx(TX_RETIRE_DEVICE, chain_id, [owner_pub], {"device": bytes(device_pub)},
                    fee, nonce)


def claim_rewards(chain_id, owner_pub, fee, nonce) -> Tx:
    """An unsigned claim_rewards (type 9); sign it with .sign(0, owner key)."""
    return _make_tx(TX_CLAIM_REWARDS, chain_id, [owner_pub], {}, fee, nonce)


def heartbeat(chain_id, device_pub, ref_height, ref_hash, fee=0, nonce=0) -> Tx:
    """An unsigned heartbeat (type 5, an attestation: fee and nonce 0); ref_hash is the hash
    of block ref_height. Sign it with .sign(0, device key)."""
    return _make_tx(TX_HEARTBEAT, chain_id, [device_pub],
                    {"ref_height": ref_height, "ref_hash": bytes(ref_hash)}, fee, nonce)


def bandwidth_receipt(chain_id, device_pub, consumer_pub, session, bytes_, ref_height, fee=0,
                      nonce=0) -> Tx:
    """An unsigned bandwidth_receipt (type 6, an attestation); roles 0 = device,
    1 = consumer (the consumer signs first, the device adds its signature last)."""
    return _make_tx(TX_BANDWIDTH_RECEIPT, chain_id, [device_pub, consumer_pub],
                    {"session": bytes(session), "bytes": bytes_, "ref_height": ref_height},
                    fee, nonce)


def storage_deal(chain_id, client_pub, device_pub, data_root, size, chunk_size, duration_epochs,
                 price, fee, nonce) -> Tx:
    """An unsigned storage_deal (type 7, pays a fee, uses the client's nonce); roles
    0 = client, 1 = device. Its txid is the deal id."""
    return _make_tx(TX_STORAGE_DEAL, chain_id, [client_pub, device_pub],
                    {"data_root": bytes(data_root), "size": size, "chunk_size": chunk_size,
                     "duration_epochs": duration_epochs, "price": price}, fee, nonce)


def storage_proof(chain_id, device_pub, deal_id, epoch, chunk, path, fee=0, nonce=0) -> Tx:
    """An unsigned storage_proof (type 8, an attestation): chunk (bytes) and its path (list of
    32-byte hashes, §6.5) for the deal's challenged chunk of epoch."""
    return _make_tx(TX_STORAGE_PROOF, chain_id, [device_pub],
                    {"deal": bytes(deal_id), "epoch": epoch, "chunk": bytes(chunk),
                     "path": [bytes(e) for e in path]}, fee, nonce)


def _decode_payload(tx_type, payload, base):
    """The payload's fields by PAYLOADS; errors name "<type>.<field>" (and "<type> payload"
    for bytes left over) at offsets counted from the transaction's start."""
    name = TX_TYPES[tx_type][0]
    r = Reader(payload, base)
    f = {fname: _read_field(r, f"{name}.{fname}", kind) for fname, kind in PAYLOADS[tx_type]}
    r.end(f"{name} payload")
    return f


def _read_tx(r: Reader) -> Tx:
    version = r.u8("tx.version")
    if version != 1:
        r.fail("tx.version", f"unknown transaction version {version}", r.pos - 1)
    tx_type = r.u8("tx.type")
    if tx_type not in TX_TYPES:
        known = ", ".join(f"{t} = {name}" for t, (name, _) in sorted(TX_TYPES.items()))
        r.fail("tx.type", f"unknown transaction type {tx_type} (known: {known})", r.pos - 1)
    chain_id = r.u32("tx.chain_id")
    fee = r.u64("tx.fee")
    nonce = r.u64("tx.nonce")
    start = r.pos
    count = r.varint("tx.signer_count")
    roles = TX_TYPES[tx_type][1]
    if count > MAX_SIGNERS:
        r.fail("tx.signer_count", f"{count} signers, at most {MAX_SIGNERS}", start)
    if count != len(roles):
        r.fail("tx.signer_count",
               f"{count} signers, {TX_TYPES[tx_type][0]} has {len(roles)} roles", start)
    signers = [r.raw(32, "tx.signer") for _ in range(count)]
    payload = r.bytes_("tx.payload", MAX_PAYLOAD)
    payload_base = r.base + r.pos - len(payload)  # nested offsets count from the tx's start
    fields = _decode_payload(tx_type, payload, payload_base)
    sigs = [r.raw(64, "tx.signature") for _ in range(count)]
    return Tx(version, tx_type, chain_id, fee, nonce, signers, payload, sigs, fields)


def decode_transaction(raw: bytes) -> Tx:
    """Decodes one transaction, enforcing every rejection of §1/§4.1 (ValueError)."""
    raw = bytes(raw)
    if len(raw) > MAX_TX_SIZE:
        raise ValueError(f"tx: {len(raw)} bytes, the limit is {MAX_TX_SIZE} "
                         f"(at byte {MAX_TX_SIZE})")
    r = Reader(raw)
    tx = _read_tx(r)
    r.end("end")
    return tx


def _stateless_transfer(tx, params):
    if tx.fields["amount"] == 0:
        return "zero-amount"
    if tx.fields["to"] == tx.signers[0]:
        return "self-transfer"
    if not is_xonly_point(tx.fields["to"]):
        return "bad-recipient"
    return None


def _stateless_register_device(tx, params):
    kinds = tx.fields["kinds"]
    if kinds == 0 or kinds & ~DEVICE_KINDS:
        return "bad-device-kinds"
    if tx.fields["bond"] != params["device_bond"]:
        return "wrong-device-bond"
    return None


def _stateless_buy_credits(tx, params):
    if tx.fields["amount"] == 0:
        return "zero-amount"
    if tx.fields["amount"] * params["credits_per_unit"] > U64_MAX:
        return "amount-overflow"
    return None


def _stateless_bandwidth_receipt(tx, params):
    return "zero-amount" if tx.fields["bytes"] == 0 else None


def _stateless_storage_deal(tx, params):
    f = tx.fields
    if f["size"] == 0:
        return "zero-amount"
    if not 1 <= f["chunk_size"] <= MAX_CHUNK_SIZE:
        return "bad-chunk-size"
    if chunk_count(f["size"], f["chunk_size"]) > MAX_CHUNKS:
        return "deal-too-large"
    if not 1 <= f["duration_epochs"] <= params["max_deal_epochs"]:
        return "bad-deal-duration"
    if f["price"] == 0:
        return "zero-amount"
    if deal_escrow(f["size"], f["price"], f["duration_epochs"]) is None:
        return "amount-overflow"
    return None


# The type's payload rules of §4.4 (types without any are absent).
_STATELESS_RULES = {
    TX_TRANSFER: _stateless_transfer,
    TX_REGISTER_DEVICE: _stateless_register_device,
    TX_BUY_CREDITS: _stateless_buy_credits,
    TX_BANDWIDTH_RECEIPT: _stateless_bandwidth_receipt,
    TX_STORAGE_DEAL: _stateless_storage_deal,
}


def check_stateless(tx: Tx, params) -> str | None:
    """§4.3 step 2: the first failing reason code, or None."""
    if tx.chain_id != params["chain_id"]:
        return "wrong-chain"
    if tx.is_attestation:
        if tx.fee != 0:
            return "fee-not-allowed"
        if tx.nonce != 0:
            return "nonce-not-allowed"
    elif tx.fee < params["min_tx_fee"]:
        return "fee-too-low"
    if len(set(tx.signers)) != len(tx.signers):
        return "duplicate-signer"
    rule = _STATELESS_RULES.get(tx.type)
    reason = rule(tx, params) if rule else None
    if reason:
        return reason
    if tx.cost() + tx.fee > U64_MAX:
        return "amount-overflow"
    return None


def check_signatures(tx: Tx):
    """§4.3 step 3: None, or the index of the first role whose signature fails."""
    h = tx.sighash()
    for i, (key, sig) in enumerate(zip(tx.signers, tx.signatures)):
        if not bip340_verify(key, h, sig):
            return i
    return None


def tx_to_json(tx: Tx, hrp: str) -> dict:
    """The JSON shape of §4.5: keys as addresses, amounts as integers, hashes as hex; a
    storage_proof shows its deal and epoch only."""
    omit = JSON_OMITS.get(tx.type, ())
    payload = {name: _field_json(kind, tx.fields[name], hrp)
               for name, kind in PAYLOADS[tx.type] if name not in omit}
    return {
        "txid": tx.txid().hex(), "version": tx.version, "type": tx.type_name,
        "chain_id": tx.chain_id, "fee": tx.fee, "nonce": tx.nonce,
        "signers": [{"role": role, "address": encode_address(hrp, k), "signature": s.hex()}
                    for role, k, s in zip(tx.roles, tx.signers, tx.signatures)],
        "payload": payload, "sighash": tx.sighash().hex(), "size": tx.size(),
    }


# ==========================================================================
# Validator sets (§5.4)


@dataclass
class ValidatorSet:
    validators: list  # [(key32, power)], keys strictly ascending

    def encode(self) -> bytes:
        return enc_varint(len(self.validators)) + b"".join(
            k + u64(p) for k, p in self.validators)

    def hash(self) -> bytes:
        return tagged_hash("MaillonValidatorSet", self.encode())

    def total_power(self):
        return sum(p for _, p in self.validators)

    def keys(self):
        return [k for k, _ in self.validators]

    @classmethod
    def from_pairs(cls, pairs):
        vs = cls(sorted((bytes(k), p) for k, p in pairs))
        vs.validate()
        return vs

    def validate(self):
        if len(self.validators) > MAX_VALIDATORS:
            raise ValueError("validators: too many")
        for i, (k, p) in enumerate(self.validators):
            if p < 1:
                raise ValueError(f"validators[{i}].power: must be at least 1")
            if i and k <= self.validators[i - 1][0]:
                raise ValueError(f"validators[{i}].key: keys not strictly ascending")
        if self.total_power() > MAX_TOTAL_POWER:
            raise ValueError("validators: total power above 2^60")


def _read_validator_set(r: Reader, prefix="validators"):
    start = r.pos
    count = r.varint(f"{prefix}.count")
    if count > MAX_VALIDATORS:
        r.fail(f"{prefix}.count", f"{count} validators, at most {MAX_VALIDATORS}", start)
    vals = []
    total = 0
    for i in range(count):
        kpos = r.pos
        k = r.raw(32, f"{prefix}.key")
        if vals and k <= vals[-1][0]:
            r.fail(f"{prefix}.key", "keys not strictly ascending", kpos)
        ppos = r.pos
        p = r.u64(f"{prefix}.power")
        if p < 1:
            r.fail(f"{prefix}.power", "power must be at least 1", ppos)
        total += p
        if total > MAX_TOTAL_POWER:
            r.fail(f"{prefix}.power", "total power above 2^60", ppos)
        vals.append((k, p))
    return ValidatorSet(vals)


def decode_validator_set(data: bytes) -> ValidatorSet:
    r = Reader(data)
    vs = _read_validator_set(r)
    r.end("validators")
    return vs


# ==========================================================================
# Votes and commit certificates (§5.3)

VOTE_PREVOTE = 1
VOTE_PRECOMMIT = 2


def vote_hash(chain_id, vote_type, height, round_, block_hash) -> bytes:
    return tagged_hash("MaillonVote", u32(chain_id) + u8(vote_type) + u64(height) +
                       u32(round_) + bytes(block_hash))


@dataclass
class Certificate:
    height: int
    round: int
    block_hash: bytes
    signatures: list  # [(validator_index, sig64)], indices strictly ascending

    def encode(self) -> bytes:
        return (u64(self.height) + u32(self.round) + self.block_hash +
                enc_varint(len(self.signatures)) +
                b"".join(enc_varint(i) + s for i, s in self.signatures))

    def hash(self) -> bytes:
        return tagged_hash("MaillonCommit", self.encode())


ZERO_CERTIFICATE = Certificate(0, 0, bytes(32), [])


def _read_certificate(r: Reader, prefix="commit"):
    height = r.u64(f"{prefix}.height")
    round_ = r.u32(f"{prefix}.round")
    block_hash = r.raw(32, f"{prefix}.block_hash")
    start = r.pos
    count = r.varint(f"{prefix}.count")
    if count > MAX_VALIDATORS:
        r.fail(f"{prefix}.count", f"{count} signatures, at most {MAX_VALIDATORS}", start)
    sigs = []
    for _ in range(count):
        ipos = r.pos
        idx = r.varint(f"{prefix}.validator_index")
        if idx >= MAX_VALIDATORS:
            r.fail(f"{prefix}.validator_index", f"index {idx} not below {MAX_VALIDATORS}", ipos)
        if sigs and idx <= sigs[-1][0]:
            r.fail(f"{prefix}.validator_index", "indices not strictly ascending", ipos)
        sigs.append((idx, r.raw(64, f"{prefix}.signature")))
    return Certificate(height, round_, block_hash, sigs)


def decode_certificate(data: bytes) -> Certificate:
    r = Reader(data)
    c = _read_certificate(r)
    r.end("commit")
    return c


def verify_commit(cert: Certificate, validator_set: ValidatorSet, chain_id, height, block_hash,
                  check_signatures=True):
    """Raises ValueError unless cert finalizes block_hash at height: height and hash match,
    every index is inside the set, the signers are a quorum (3 * signed > 2 * total) and,
    if check_signatures, every signature is a BIP340 precommit by set[index].key."""
    if cert.height != height:
        raise ValueError(f"certificate is for height {cert.height}, not {height}")
    if cert.block_hash != bytes(block_hash):
        raise ValueError("certificate is for another block hash")
    vals = validator_set.validators
    signed = 0
    last = -1
    for idx, _ in cert.signatures:
        if idx <= last:
            raise ValueError("certificate indices not strictly ascending")
        last = idx
        if idx >= len(vals):
            raise ValueError(f"certificate index {idx} outside the set of {len(vals)}")
        signed += vals[idx][1]
    total = validator_set.total_power()
    if not 3 * signed > 2 * total:
        raise ValueError(f"certificate signers hold {signed} of {total} power: no quorum")
    if check_signatures:
        h = vote_hash(chain_id, VOTE_PRECOMMIT, cert.height, cert.round, cert.block_hash)
        for idx, sig in cert.signatures:
            if not bip340_verify(vals[idx][0], h, sig):
                raise ValueError(f"certificate signature of validator {idx} does not verify")
    return True


# ==========================================================================
# Blocks (§5.1, §5.2)

HEADER_SIZE = 248


@dataclass
class Header:
    version: int
    chain_id: int
    height: int
    time_ms: int
    parent: bytes
    proposer: bytes
    validators_hash: bytes
    next_validators_hash: bytes
    last_commit_hash: bytes
    tx_root: bytes
    state_root: bytes

    def encode(self) -> bytes:
        return (u32(self.version) + u32(self.chain_id) + u64(self.height) + u64(self.time_ms) +
                self.parent + self.proposer + self.validators_hash +
                self.next_validators_hash + self.last_commit_hash + self.tx_root +
                self.state_root)

    def hash(self) -> bytes:
        return tagged_hash("MaillonBlockHash", self.encode())


def _read_header(r: Reader):
    vpos = r.pos
    version = r.u32("header.version")
    if version != 1:
        r.fail("header.version", f"unknown header version {version}", vpos)
    return Header(version, r.u32("header.chain_id"), r.u64("header.height"),
                  r.u64("header.time_ms"), r.raw(32, "header.parent"),
                  r.raw(32, "header.proposer"), r.raw(32, "header.validators_hash"),
                  r.raw(32, "header.next_validators_hash"), r.raw(32, "header.last_commit_hash"),
                  r.raw(32, "header.tx_root"), r.raw(32, "header.state_root"))


def decode_header(data: bytes) -> Header:
    r = Reader(data)
    h = _read_header(r)
    r.end("header")
    return h


def header_hash(data: bytes) -> bytes:
    return decode_header(data).hash()


@dataclass
class Block:
    header: Header
    last_commit: Certificate
    txs: list

    def encode(self) -> bytes:
        return encode_block(self)

    def hash(self) -> bytes:
        return self.header.hash()


def encode_block(block: Block) -> bytes:
    return (block.header.encode() + block.last_commit.encode() + enc_varint(len(block.txs)) +
            b"".join(tx.serialize() for tx in block.txs))


def decode_block(data: bytes) -> Block:
    """header | last_commit | varint tx count (<= 18,000) | transactions, each in its own
    (self-delimiting) encoding, back to back."""
    data = bytes(data)
    if len(data) > MAX_BLOCK_BYTES:
        raise ValueError(f"block: {len(data)} bytes, above {MAX_BLOCK_BYTES} (at byte 0)")
    r = Reader(data)
    header = _read_header(r)
    cert = _read_certificate(r, "block.last_commit")
    start = r.pos
    count = r.varint("block.tx_count")
    if count > MAX_BLOCK_TXS:
        r.fail("block.tx_count", f"{count} transactions, at most {MAX_BLOCK_TXS}", start)
    txs = []
    for _ in range(count):
        tpos = r.pos
        tx = _read_tx(r)
        if r.pos - tpos > MAX_TX_SIZE:
            r.fail("tx", "above the maximum transaction size", tpos)
        txs.append(tx)
    r.end("block")
    return Block(header, cert, txs)


def merkle_root(txids) -> bytes:
    """§5.2: leaves TaggedHash(Leaf, txid); pairs TaggedHash(Node, l || r); an odd last node
    moves up unchanged; no transactions -> 32 zero bytes."""
    level = [tagged_hash("MaillonMerkleLeaf", bytes(t)) for t in txids]
    if not level:
        return bytes(32)
    while len(level) > 1:
        nxt = [tagged_hash("MaillonMerkleNode", level[i] + level[i + 1])
               for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            nxt.append(level[-1])
        level = nxt
    return level[0]


# ==========================================================================
# State (§6)

TAG_ACCOUNT = 1
TAG_SUPPLY = 2
TAG_VALIDATORS = 3
TAG_LAST_VALIDATORS = 4
TAG_DEVICE = 5
TAG_RETIREMENT = 6
TAG_ACTIVITY = 7
TAG_CONTRIBUTION = 8
TAG_EPOCH_TOTALS = 9
TAG_SESSION = 10
TAG_DEAL = 11


def state_key(tag: int, identifier: bytes = b"") -> bytes:
    return tagged_hash("MaillonStateKey", u8(tag) + bytes(identifier))


def account_key(pubkey: bytes) -> bytes:
    return state_key(TAG_ACCOUNT, pubkey)


def device_key(pubkey: bytes) -> bytes:
    return state_key(TAG_DEVICE, pubkey)


def retirement_key(pubkey: bytes) -> bytes:
    return state_key(TAG_RETIREMENT, pubkey)


def activity_key(device_pub: bytes) -> bytes:
    return state_key(TAG_ACTIVITY, device_pub)


def contribution_key(device_pub: bytes, epoch: int) -> bytes:
    return state_key(TAG_CONTRIBUTION, bytes(device_pub) + u64(epoch))


def epoch_totals_key(epoch: int) -> bytes:
    return state_key(TAG_EPOCH_TOTALS, u64(epoch))


def session_key(consumer_pub: bytes, device_pub: bytes, session: bytes) -> bytes:
    return state_key(TAG_SESSION, bytes(consumer_pub) + bytes(device_pub) + bytes(session))


def deal_key(deal_id: bytes) -> bytes:
    return state_key(TAG_DEAL, deal_id)


SUPPLY_KEY = state_key(TAG_SUPPLY)
VALIDATORS_KEY = state_key(TAG_VALIDATORS)
LAST_VALIDATORS_KEY = state_key(TAG_LAST_VALIDATORS)


def _record_reader(value: bytes, name: str) -> Reader:
    """A Reader past a record's version byte (1, §6.2)."""
    r = Reader(value)
    ver = r.u8(f"{name}.version")
    if ver != 1:
        r.fail(f"{name}.version", f"unknown {name} version {ver}", 0)
    return r


def encode_account(balance, nonce, credits=0) -> bytes:
    return u8(1) + u64(balance) + u64(nonce) + u64(credits)


def decode_account(value: bytes) -> dict:
    r = _record_reader(value, "account")
    a = {"balance": r.u64("account.balance"), "nonce": r.u64("account.nonce"),
         "credits": r.u64("account.credits")}
    r.end("account")
    return a


def encode_supply(genesis, minted, burned, locked) -> bytes:
    return u8(1) + u64(genesis) + u64(minted) + u64(burned) + u64(locked)


def decode_supply(value: bytes) -> dict:
    r = _record_reader(value, "supply")
    s = {k: r.u64("supply." + k) for k in ("genesis", "minted", "burned", "locked")}
    r.end("supply")
    return s


def encode_validators_record(vs: ValidatorSet) -> bytes:
    return u8(1) + vs.encode()


def decode_validators_record(value: bytes) -> ValidatorSet:
    r = _record_reader(value, "validators")
    vs = _read_validator_set(r)
    r.end("validators")
    return vs


def encode_device(owner, kinds, bond, registered_height) -> bytes:
    return u8(1) + bytes(owner) + u8(kinds) + u64(bond) + u64(registered_height)


def decode_device(value: bytes) -> dict:
    r = _record_reader(value, "device")
    d = {"owner": r.raw(32, "device.owner"), "kinds": r.u8("device.kinds"),
         "bond": r.u64("device.bond"), "registered_height": r.u64("device.registered_height")}
    r.end("device")
    return d


def encode_retirement(retired_height) -> bytes:
    return u8(1) + u64(retired_height)


def decode_retirement(value: bytes) -> dict:
    r = _record_reader(value, "retirement")
    d = {"retired_height": r.u64("retirement.retired_height")}
    r.end("retirement")
    return d


# The records of the device services (§6.2, tags 7 to 11), field by field, in the PAYLOADS
# notation: the encoding is u8 version (1), then the fields in order.
RECORDS = {
    "activity": (("last_interval", "u64"), ("last_height", "u64")),
    "contribution": (("uptime_intervals", "u64"), ("bandwidth_bytes", "u64"),
                     ("storage_byte_epochs", "u64"), ("credits_burned", "u64")),
    "session": (("device", "key"), ("settled_height", "u64")),
    "deal": (("client", "key"), ("device", "key"), ("data_root", "hash"), ("size", "u64"),
             ("chunk_size", "u32"), ("start_epoch", "u64"), ("duration_epochs", "u32"),
             ("price", "u64"), ("proven_epochs", "u32"), ("last_proven", "u64"),
             ("escrow", "u64")),
}
UNITS = tuple(name for name, _ in RECORDS["contribution"])
ZERO_UNITS = {name: 0 for name in UNITS}


def encode_record(kind: str, fields: dict) -> bytes:
    """A record of RECORDS (tags 7-11: "activity", "contribution" (tags 8 and 9), "session",
    "deal") from its fields."""
    return u8(1) + b"".join(_encode_field(k, fields[n]) for n, k in RECORDS[kind])


def decode_record(kind: str, value: bytes) -> dict:
    r = _record_reader(value, kind)
    f = {n: _read_field(r, f"{kind}.{n}", k) for n, k in RECORDS[kind]}
    r.end(kind)
    return f


def encode_activity(last_interval, last_height) -> bytes:
    return encode_record("activity", {"last_interval": last_interval, "last_height": last_height})


def decode_activity(value: bytes) -> dict:
    return decode_record("activity", value)


def encode_contribution(units: dict) -> bytes:
    """A contribution (tag 8) or epoch totals (tag 9) record from {unit: count}."""
    return encode_record("contribution", {**ZERO_UNITS, **units})


def decode_contribution(value) -> dict:
    """Tag 8 or 9; None (absent) decodes to all zero."""
    return dict(ZERO_UNITS) if value is None else decode_record("contribution", value)


def encode_session(device, settled_height) -> bytes:
    return encode_record("session", {"device": device, "settled_height": settled_height})


def decode_session(value: bytes) -> dict:
    return decode_record("session", value)


def encode_deal(deal: dict) -> bytes:
    return encode_record("deal", deal)


def decode_deal(value: bytes) -> dict:
    return decode_record("deal", value)


def deal_escrow(size, price, duration_epochs):
    """size x price x duration_epochs, or None when a product passes 2^64 - 1 (§4.4)."""
    share = size * price
    if share > U64_MAX or share * duration_epochs > U64_MAX:
        return None
    return share * duration_epochs


def contributions(records, device_pub, epoch) -> dict:
    """A device's units in one epoch (tag 8), all zero when absent."""
    return decode_contribution(records.get(contribution_key(device_pub, epoch)))


def epoch_totals(records, epoch) -> dict:
    return decode_contribution(records.get(epoch_totals_key(epoch)))

# ==========================================================================
# Rewards (§11): records (tags 12-16), emission, pools, shares, settlement

TAG_OWNER_UNITS = 12
TAG_REWARD_CURSOR = 13
TAG_EPOCH_REWARDS = 14
TAG_EPOCH_SIGNERS = 15
TAG_REWARD_TOTALS = 16
BASIS_POINTS = 10_000
POOLS = ("validators", "bandwidth", "storage", "uptime")
POOL_UNITS = {1: "bandwidth_bytes", 2: "storage_byte_epochs", 3: "uptime_intervals"}
POOL_CREDITS = {1: "bandwidth_credits", 2: "storage_credits"}
RECORDS["owner_units"] = (("uptime_intervals", "u64"), ("bandwidth_bytes", "u64"),
                          ("storage_byte_epochs", "u64"), ("bandwidth_credits", "u64"),
                          ("storage_credits", "u64"))
RECORDS["reward_cursor"] = (("epoch", "u64"),)
RECORDS["reward_totals"] = (("not_minted", "u64"), ("owed", "u64"))
_EPOCH_REWARD_FIELDS = ("pools", "paid", "pro_rata_settled", "units_settled")
REWARD_TOTALS_KEY = state_key(TAG_REWARD_TOTALS)


def owner_units_key(owner, epoch):
    return state_key(TAG_OWNER_UNITS, bytes(owner) + u64(epoch))


def reward_cursor_key(owner):
    return state_key(TAG_REWARD_CURSOR, owner)


def epoch_rewards_key(epoch):
    return state_key(TAG_EPOCH_REWARDS, u64(epoch))


def epoch_signers_key(epoch):
    return state_key(TAG_EPOCH_SIGNERS, u64(epoch))


def owner_units(records, owner, epoch) -> dict:
    value = records.get(owner_units_key(owner, epoch))
    if value is None:
        return {n: 0 for n, _ in RECORDS["owner_units"]}
    return decode_record("owner_units", value)


def reward_totals(records) -> dict:
    value = records.get(REWARD_TOTALS_KEY)
    return {"not_minted": 0, "owed": 0} if value is None else decode_record("reward_totals", value)


def encode_epoch_rewards(er: dict) -> bytes:
    out = u8(1) + u64(er["emission"])
    for name in _EPOCH_REWARD_FIELDS:
        out += b"".join(u64(v) for v in er[name])
    return out + u64(er["not_minted"])


def decode_epoch_rewards(value: bytes) -> dict:
    r = _record_reader(value, "epoch_rewards")
    er = {"emission": r.u64("epoch_rewards.emission")}
    for name in _EPOCH_REWARD_FIELDS:
        er[name] = [r.u64(f"epoch_rewards.{name}") for _ in POOLS]
    er["not_minted"] = r.u64("epoch_rewards.not_minted")
    r.end("epoch_rewards")
    return er


def epoch_rewards(records, epoch):
    """A closed epoch's record (tag 14), None while it is open."""
    value = records.get(epoch_rewards_key(epoch))
    return None if value is None else decode_epoch_rewards(value)


def encode_epoch_signers(certificates, signers: dict) -> bytes:
    return (u8(1) + u64(certificates) + enc_varint(len(signers)) +
            b"".join(k + u64(n) for k, n in sorted(signers.items())))


def decode_epoch_signers(value):
    """(certificates, {validator: certificates signed}); (0, {}) when absent."""
    if value is None:
        return 0, {}
    r = _record_reader(value, "epoch_signers")
    certificates = r.u64("epoch_signers.certificates")
    signers = {}
    for _ in range(r.varint("epoch_signers.count")):
        key = r.raw(32, "epoch_signers.validator")
        signers[key] = r.u64("epoch_signers.signed")
    r.end("epoch_signers")
    return certificates, signers


def scheduled_emission(p, epoch):
    halvings = epoch // p["halving_epochs"]
    return 0 if halvings >= 64 else p["initial_epoch_emission"] >> halvings


def epoch_emission(p, epoch, issued):
    """§11.1: the schedule, cut so that issued (genesis + minted + owed) stays <= max_supply."""
    return min(scheduled_emission(p, epoch), max(0, p["max_supply"] - issued))


def split_emission(p, emission):
    return [emission * bps // BASIS_POINTS for bps in p["pool_bps"]]


def compute_share(pool, total_units, units, owner_cap, credit_value=None) -> dict:
    """§11.2: an owner's share of one pool and the caps that apply to it."""
    pro_rata = pool * units // total_units if units else 0
    paid = min(pro_rata, owner_cap)
    if credit_value is not None:
        paid = min(paid, credit_value)
    return {"pro_rata": pro_rata, "owner_cap": owner_cap, "credit_cap": credit_value,
            "paid": paid}


def owner_reward(records, p, owner, epoch, er) -> list:
    """[(pool index, units, total units, credits or None, share)] for a closed epoch."""
    mine, totals = owner_units(records, owner, epoch), epoch_totals(records, epoch)
    out = []
    for k, unit in POOL_UNITS.items():
        if not mine[unit]:
            continue
        credits = mine[POOL_CREDITS[k]] if k in POOL_CREDITS else None
        value = None if credits is None else credits // p["credits_per_unit"]
        pool = er["pools"][k]
        share = compute_share(pool, totals[unit], mine[unit],
                              pool * p["owner_cap_bps"] // BASIS_POINTS, value)
        out.append((k, mine[unit], totals[unit], credits, share))
    return out


def validator_reward(pool, power, total_power, signed, certificates):
    """§11.3: (power share, paid)."""
    if not total_power or not certificates:
        return 0, 0
    power_share = pool * power // total_power
    return power_share, power_share * signed // certificates


def _mint(records, to, amount):
    if not amount:
        return
    acct = get_account(records, to)
    acct["balance"] = _add(acct["balance"], amount, "reward")
    put_account(records, to, acct)
    sup = decode_supply(records[SUPPLY_KEY])
    records[SUPPLY_KEY] = encode_supply(sup["genesis"], sup["minted"] + amount, sup["burned"],
                                        sup["locked"])


def count_commit_signers(records, epoch, cert, signed_set):
    """§11.3, begin-block above height 1."""
    certificates, signers = decode_epoch_signers(records.get(epoch_signers_key(epoch)))
    paid_set = decode_validators_record(records[VALIDATORS_KEY]).keys()
    for index, _ in cert.signatures:
        key = signed_set.validators[index][0]
        if key in paid_set:
            signers[key] = signers.get(key, 0) + 1
    records[epoch_signers_key(epoch)] = encode_epoch_signers(certificates + 1, signers)


def close_epoch(records, p, epoch):
    """§11.4: the end-block of an epoch's last block."""
    sup = decode_supply(records[SUPPLY_KEY])
    totals = reward_totals(records)
    emission = epoch_emission(p, epoch, sup["genesis"] + sup["minted"] + totals["owed"])
    pools = split_emission(p, emission)
    not_minted = emission - sum(pools)
    validators = decode_validators_record(records[VALIDATORS_KEY])
    power = dict(validators.validators)
    certificates, signers = decode_epoch_signers(records.get(epoch_signers_key(epoch)))
    paid0 = 0
    for key, signed in sorted(signers.items()):
        if key in power:
            _, paid = validator_reward(pools[0], power[key], validators.total_power(), signed,
                                       certificates)
            _mint(records, key, paid)
            paid0 += paid
    not_minted += pools[0] - paid0
    units = epoch_totals(records, epoch)
    for k, unit in POOL_UNITS.items():
        if units[unit]:
            totals["owed"] += pools[k]
        else:
            not_minted += pools[k]
    totals["not_minted"] += not_minted
    records[epoch_rewards_key(epoch)] = encode_epoch_rewards({
        "emission": emission, "pools": pools, "paid": [paid0, 0, 0, 0],
        "pro_rata_settled": [0] * 4, "units_settled": [0] * 4, "not_minted": not_minted})
    records[REWARD_TOTALS_KEY] = encode_record("reward_totals", totals)


def settle_owner(records, p, owner, epoch):
    """§11.4: pays the owner's reward of closed epoch `epoch`; the amount."""
    er = epoch_rewards(records, epoch)
    totals = reward_totals(records)
    paid_total = 0
    for k, units, total_units, _, share in owner_reward(records, p, owner, epoch, er):
        er["paid"][k] += share["paid"]
        er["pro_rata_settled"][k] += share["pro_rata"]
        er["units_settled"][k] += units
        withheld = share["pro_rata"] - share["paid"]
        er["not_minted"] += withheld
        totals["not_minted"] += withheld
        totals["owed"] -= share["pro_rata"]
        if er["units_settled"][k] == total_units:
            rest = er["pools"][k] - er["pro_rata_settled"][k]
            er["not_minted"] += rest
            totals["not_minted"] += rest
            totals["owed"] -= rest
        paid_total += share["paid"]
    _mint(records, owner, paid_total)
    records[epoch_rewards_key(epoch)] = encode_epoch_rewards(er)
    records[REWARD_TOTALS_KEY] = encode_record("reward_totals", totals)
    return paid_total


def claim_rule(records, p, owner, epoch):
    """claim_rewards' state rule (§4.4): the owner is owed an epoch before `epoch`; the effect
    settles it and deletes the cursor."""
    cursor = records.get(reward_cursor_key(owner))
    if cursor is None or decode_record("reward_cursor", cursor)["epoch"] >= epoch:
        raise BlockError("nothing-to-claim")
    pending = decode_record("reward_cursor", cursor)["epoch"]

    def effect():
        settle_owner(records, p, owner, pending)
        del records[reward_cursor_key(owner)]
    return effect


def accrue_owner_units(records, p, owner, epoch, units):
    """§11.4: an attestation's units for a device of `owner` in `epoch`."""
    cursor = records.get(reward_cursor_key(owner))
    pending = None if cursor is None else decode_record("reward_cursor", cursor)["epoch"]
    if pending is not None and pending < epoch:
        settle_owner(records, p, owner, pending)
    if pending != epoch:
        records[reward_cursor_key(owner)] = encode_record("reward_cursor", {"epoch": epoch})
    mine = owner_units(records, owner, epoch)
    for name, n in units.items():
        mine[name] = _add(mine[name], n, name)
    records[owner_units_key(owner, epoch)] = encode_record("owner_units", mine)


def key_bit(key: bytes, i: int) -> int:
    """Bit i of a key: bit 7 - (i mod 8) of byte i div 8."""
    return (key[i >> 3] >> (7 - (i & 7))) & 1


def leaf_hash(key: bytes, value_hash: bytes) -> bytes:
    return tagged_hash("MaillonStateLeaf", bytes(key) + bytes(value_hash))


def node_hash(left: bytes, right: bytes) -> bytes:
    return tagged_hash("MaillonStateNode", left + right)


ZERO32 = bytes(32)


def _subtree(items, depth):
    """items: sorted list of (key, value_hash) sharing their first `depth` bits."""
    if not items:
        return ZERO32
    if len(items) == 1:
        return leaf_hash(*items[0])
    split = 0
    while split < len(items) and key_bit(items[split][0], depth) == 0:
        split += 1
    return node_hash(_subtree(items[:split], depth + 1), _subtree(items[split:], depth + 1))


def state_root(records: dict) -> bytes:
    """The root of the compressed sparse Merkle tree over {key32: value} (§6.3)."""
    for k, v in records.items():
        if len(k) != 32:
            raise ValueError("state keys are 32 bytes")
        if len(v) > MAX_VALUE:
            raise ValueError("state value above 8192 bytes")
    items = sorted((bytes(k), sha256(v)) for k, v in records.items())
    return _subtree(items, 0)


def make_state_proof(records: dict, key: bytes) -> bytes:
    """The §6.4 proof for key in records (present or absent), as a node would serve it."""
    key = bytes(key)
    items = sorted((bytes(k), bytes(v)) for k, v in records.items())
    siblings = []
    depth = 0
    while True:
        if not items:
            tail = u8(0)
            break
        if len(items) == 1:
            k, v = items[0]
            tail = u8(1) + enc_bytes(v) if k == key else u8(2) + k + sha256(v)
            break
        left = [it for it in items if key_bit(it[0], depth) == 0]
        right = [it for it in items if key_bit(it[0], depth) == 1]
        side, other = (left, right) if key_bit(key, depth) == 0 else (right, left)
        siblings.append(_subtree([(k, sha256(v)) for k, v in other], depth + 1))
        items = side
        depth += 1
    return enc_varint(len(siblings)) + b"".join(siblings) + tail


@dataclass
class StateProof:
    siblings: list
    kind: int
    value: bytes = None
    other_key: bytes = None
    other_value_hash: bytes = None


def decode_state_proof(data: bytes) -> StateProof:
    r = Reader(data)
    start = r.pos
    n = r.varint("proof.n")
    if n > MAX_PROOF_SIBLINGS:
        r.fail("proof.n", f"{n} siblings, at most {MAX_PROOF_SIBLINGS}", start)
    sibs = [r.raw(32, "proof.sibling") for _ in range(n)]
    kpos = r.pos
    kind = r.u8("proof.kind")
    if kind == 0:
        p = StateProof(sibs, 0)
    elif kind == 1:
        p = StateProof(sibs, 1, value=r.bytes_("proof.value", MAX_VALUE))
    elif kind == 2:
        p = StateProof(sibs, 2, other_key=r.raw(32, "proof.other_key"),
                       other_value_hash=r.raw(32, "proof.other_value_hash"))
    else:
        r.fail("proof.kind", f"unknown proof kind {kind}", kpos)
    r.end("proof")
    return p


def verify_state_proof(root: bytes, key: bytes, proof_bytes: bytes):
    """§7 step 3 for any key: the proven value (bytes), or None when proven absent.
    Raises ValueError when the proof is malformed or does not lead to root."""
    key = bytes(key)
    p = decode_state_proof(proof_bytes)
    n = len(p.siblings)
    if n > MAX_PROOF_SIBLINGS:
        raise ValueError("proof: more than 256 siblings")
    if n > 0 and p.siblings[-1] == ZERO32:
        raise ValueError("proof: the last sibling is empty (a terminal's parent holds two keys)")
    if p.kind == 1:
        if len(p.value) > MAX_VALUE:
            raise ValueError("proof: value above 8192 bytes")
        h = leaf_hash(key, sha256(p.value))
    elif p.kind == 0:
        if n >= 256:
            raise ValueError("proof: an empty subtree cannot sit at depth 256")
        h = ZERO32
    elif p.kind == 2:
        if p.other_key == key:
            raise ValueError("proof: the 'other' leaf is the key's own leaf")
        for i in range(n):
            if key_bit(p.other_key, i) != key_bit(key, i):
                raise ValueError(f"proof: the other leaf's key leaves the key's path at bit {i}")
        h = leaf_hash(p.other_key, p.other_value_hash)
    else:
        raise ValueError(f"proof: unknown kind {p.kind}")
    for i in range(n - 1, -1, -1):
        s = p.siblings[i]
        h = node_hash(h, s) if key_bit(key, i) == 0 else node_hash(s, h)
    if h != bytes(root):
        raise ValueError("proof: does not lead to the state root")
    return p.value if p.kind == 1 else None


# ==========================================================================
# Storage chunk tree (§6.5)


def chunk_count(size, chunk_size) -> int:
    """ceil(size / chunk_size)."""
    return (size + chunk_size - 1) // chunk_size


def split_chunks(data: bytes, chunk_size) -> list:
    """The chunks of data: chunk_size bytes each, the last one shorter."""
    if not 1 <= chunk_size <= MAX_CHUNK_SIZE:
        raise ValueError("chunk_size is 1 to 2048")
    return [bytes(data[i:i + chunk_size]) for i in range(0, len(data), chunk_size)]


def chunk_leaf(index, chunk: bytes) -> bytes:
    return tagged_hash("MaillonChunkLeaf", u64(index) + bytes(chunk))


def chunk_node(left: bytes, right: bytes) -> bytes:
    return tagged_hash("MaillonChunkNode", left + right)


def _chunk_levels(chunks):
    level = [chunk_leaf(i, c) for i, c in enumerate(chunks)]
    if not level:
        raise ValueError("no chunks: a deal holds at least one")
    levels = [level]
    while len(level) > 1:
        nxt = [chunk_node(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            nxt.append(level[-1])  # moves up unchanged
        levels.append(nxt)
        level = nxt
    return levels


def chunk_root(chunks) -> bytes:
    """The root over a list of chunks (bytes)."""
    return _chunk_levels(chunks)[-1][0]


def chunk_path(chunks, index) -> list:
    """The sibling hashes of chunk index, from level 0 upward."""
    if not 0 <= index < len(chunks):
        raise ValueError("chunk index out of range")
    path = []
    p = index
    for level in _chunk_levels(chunks)[:-1]:
        s = len(level)
        if not (p == s - 1 and s % 2):
            path.append(level[p ^ 1])
        p //= 2
    return path


def verify_chunk(root: bytes, index, count, chunk: bytes, path) -> bool:
    """§6.5: chunk is chunk index of count chunks under root, by path."""
    if not (0 <= index < count <= MAX_CHUNKS and 1 <= len(chunk) <= MAX_CHUNK_SIZE):
        return False
    h = chunk_leaf(index, chunk)
    p, s = index, count
    entries = list(path)
    while s > 1:
        if not (p == s - 1 and s % 2):
            if not entries:
                return False  # ran out early
            e = bytes(entries.pop(0))
            h = chunk_node(h, e) if p % 2 == 0 else chunk_node(e, h)
        p //= 2
        s = (s + 1) // 2
    return not entries and h == bytes(root)


def challenged_chunk(deal_id: bytes, epoch_block_hash: bytes, count) -> int:
    """The chunk a storage_proof of an epoch shows (§4.4): LE64(first 8 bytes of
    TaggedHash("MaillonStorageChallenge", deal || hash of the epoch's first block)) mod
    count."""
    t = tagged_hash("MaillonStorageChallenge", bytes(deal_id) + bytes(epoch_block_hash))
    return int.from_bytes(t[:8], "little") % count


def bandwidth_credits(bytes_, params=None) -> int:
    """The credits a receipt of bytes costs: ceil(bytes / bandwidth_bytes_per_credit)."""
    per = params["bandwidth_bytes_per_credit"] if params else BANDWIDTH_BYTES_PER_CREDIT
    return bytes_ // per + (1 if bytes_ % per else 0)


# ==========================================================================
# Genesis and block execution (§4.3, §4.4, §5.5, §5.6)


def genesis_validator_set(params) -> ValidatorSet:
    return ValidatorSet.from_pairs(params["validators"])


def genesis_records(params) -> dict:
    """The genesis state of §5.6 as {key: value}."""
    recs = {}
    alloc_total = 0
    for pub, amount in params["allocations"]:
        k = account_key(pub)
        prev = decode_account(recs[k])["balance"] if k in recs else 0
        recs[k] = encode_account(prev + amount, 0, 0)
        alloc_total += amount
    vs = genesis_validator_set(params)
    stake = vs.total_power()
    recs[VALIDATORS_KEY] = encode_validators_record(vs)
    recs[LAST_VALIDATORS_KEY] = encode_validators_record(vs)
    recs[SUPPLY_KEY] = encode_supply(alloc_total + stake, 0, 0, stake)
    return recs


def genesis_header(params) -> Header:
    vs_hash = genesis_validator_set(params).hash()
    return Header(1, params["chain_id"], 0, params["genesis_time_ms"], ZERO32, ZERO32, vs_hash,
                  vs_hash, ZERO_CERTIFICATE.hash(), ZERO32, state_root(genesis_records(params)))


def genesis_hash(params) -> bytes:
    return genesis_header(params).hash()


def get_account(records, pub) -> dict:
    v = records.get(account_key(pub))
    return decode_account(v) if v is not None else {"balance": 0, "nonce": 0, "credits": 0}


def put_account(records, pub, acct):
    k = account_key(pub)
    if acct["balance"] == 0 and acct["nonce"] == 0 and acct["credits"] == 0:
        records.pop(k, None)  # an all-zero account is not stored
    else:
        records[k] = encode_account(acct["balance"], acct["nonce"], acct["credits"])


# §8: the JSON-RPC error code of each reason code a transaction can be refused with.
RPC_CODES = {
    "decode-error": -22, "insufficient-funds": -6,
    **{r: -25 for r in (
        "wrong-chain", "fee-too-low", "fee-not-allowed", "nonce-not-allowed",
        "duplicate-signer", "zero-amount", "self-transfer", "bad-recipient", "bad-device-kinds",
        "wrong-device-bond", "bad-chunk-size", "deal-too-large", "bad-deal-duration",
        "amount-overflow", "bad-signature", "nonce-too-low", "nonce-too-high",
        "device-already-registered", "device-not-registered", "not-device-owner",
        "bond-still-locked", "device-retired", "device-kind-not-offered", "ref-block-unknown",
        "ref-block-too-old", "heartbeat-already-counted", "receipt-too-old", "self-dealing",
        "session-already-settled", "insufficient-credits", "unknown-deal", "not-deal-device",
        "deal-not-active", "proof-too-early", "late-proof", "proof-already-counted",
        "bad-proof", "nothing-to-claim")},
    **{r: -26 for r in ("nonce-gap", "replacement-fee-too-low", "too-many-pending",
                        "mempool-full", "not-an-attestation")},
    "already-in-mempool": -27, "already-in-chain": -27,
}


class BlockError(ValueError):
    """A block or transaction rule failed; .reason is the §8 reason code."""

    def __init__(self, reason, msg=""):
        super().__init__(f"{reason}: {msg}" if msg else reason)
        self.reason = reason


@dataclass
class BlockContext:
    """What a transaction's rules read of the block that includes it: its height, its
    proposer, and the hashes of earlier blocks (§5.5: block h is visible to block height
    when height - 256 <= h < height)."""
    height: int
    proposer: bytes
    params: dict
    hashes: dict = field(default_factory=dict)  # {height: block hash}

    @property
    def epoch(self):
        return self.height // self.params["epoch_blocks"]

    def recent_hash(self, h):
        """The hash of block h when visible to this block, else None."""
        if not self.height - RECENT_BLOCKS <= h < self.height:
            return None
        got = self.hashes.get(h)
        if got is None:
            raise ValueError(f"BlockContext: the hash of block {h} was not given")
        return bytes(got)


def _add(value, amount, what):
    if value + amount > U64_MAX:
        raise BlockError("amount-overflow", what)
    return value + amount


def _put_credits(work, pub, credits):
    acct = get_account(work, pub)
    acct["credits"] = credits
    put_account(work, pub, acct)


def _update_supply(work, burned=0, locked=0):
    sup = decode_supply(work[SUPPLY_KEY])
    work[SUPPLY_KEY] = encode_supply(sup["genesis"], sup["minted"], sup["burned"] + burned,
                                     sup["locked"] + locked)


def _device_rules(work, device, service):
    """The device rules the types 5-8 share (§4.4), in order; the device record."""
    value = work.get(device_key(device))
    if value is None:
        raise BlockError("device-not-registered")
    if retirement_key(device) in work:
        raise BlockError("device-retired")
    rec = decode_device(value)
    if not rec["kinds"] & service:
        raise BlockError("device-kind-not-offered")
    return rec


def _add_units(work, device, owner, ctx, units):
    """Adds an attestation's units to the device's contribution record of the block's epoch
    (tag 8), to that epoch's totals (tag 9) and to the device owner's record (tag 12, §11.4:
    which first settles the owner's reward of an earlier epoch)."""
    for key in (contribution_key(device, ctx.epoch), epoch_totals_key(ctx.epoch)):
        rec = decode_contribution(work.get(key))
        for name, n in units.items():
            rec[name] = _add(rec[name], n, name)
        work[key] = encode_contribution(rec)
    mine = {name: n for name, n in units.items() if name != "credits_burned"}
    if "credits_burned" in units:
        paid = "bandwidth_credits" if "bandwidth_bytes" in units else "storage_credits"
        mine[paid] = units["credits_burned"]
    accrue_owner_units(work, ctx.params, owner, ctx.epoch, mine)


# Each type's state rules (§4.4): rules(work, tx, ctx) checks them, in order, without changing
# work, and returns the type's effect, effect(), applied after the payer paid (§4.3 "Effect,
# in this order").

def _rules_transfer(work, tx, ctx):
    def effect():
        to = get_account(work, tx.fields["to"])
        to["balance"] = _add(to["balance"], tx.fields["amount"], "recipient balance")
        put_account(work, tx.fields["to"], to)
    return effect


def _rules_register_device(work, tx, ctx):
    owner, device = tx.signers
    if device_key(device) in work:
        raise BlockError("device-already-registered")

    def effect():
        work[device_key(device)] = encode_device(owner, tx.fields["kinds"], tx.fields["bond"],
                                                 ctx.height)
        _update_supply(work, locked=tx.fields["bond"])
    return effect


def _rules_buy_credits(work, tx, ctx):
    def effect():
        buyer = get_account(work, tx.payer)
        buyer["credits"] = _add(buyer["credits"], tx.fields["amount"] *
                                ctx.params["credits_per_unit"], "buyer credits")
        put_account(work, tx.payer, buyer)
        _update_supply(work, burned=tx.fields["amount"])
    return effect


def _rules_retire_device(work, tx, ctx):
    device = tx.fields["device"]
    if device_key(device) not in work:
        raise BlockError("device-not-registered")
    rec = decode_device(work[device_key(device)])
    if rec["owner"] != tx.payer:
        raise BlockError("not-device-owner")
    retired = work.get(retirement_key(device))
    if retired is None:
        def retire():
            work[retirement_key(device)] = encode_retirement(ctx.height)
        return retire
    if ctx.height < (decode_retirement(retired)["retired_height"] +
                     ctx.params["device_unbond_blocks"]):
        raise BlockError("bond-still-locked")

    def release():
        owner = get_account(work, rec["owner"])
        owner["balance"] = _add(owner["balance"], rec["bond"], "owner balance")
        put_account(work, rec["owner"], owner)
        _update_supply(work, locked=-rec["bond"])
        del work[device_key(device)]
        del work[retirement_key(device)]
    return release


def _rules_heartbeat(work, tx, ctx):
    device = tx.signers[0]
    rec = _device_rules(work, device, KIND_UPTIME)
    ref = tx.fields["ref_height"]
    if ref >= ctx.height:
        raise BlockError("ref-block-unknown", f"ref_height {ref} is not below {ctx.height}")
    if ctx.height - ref > ctx.params["heartbeat_max_age_blocks"]:
        raise BlockError("ref-block-too-old")
    if tx.fields["ref_hash"] != ctx.recent_hash(ref):
        raise BlockError("ref-block-unknown", f"ref_hash is not block {ref}'s")
    interval = ref // ctx.params["heartbeat_interval_blocks"]
    activity = work.get(activity_key(device))
    if activity is not None and interval <= decode_activity(activity)["last_interval"]:
        raise BlockError("heartbeat-already-counted")

    def effect():
        work[activity_key(device)] = encode_activity(interval, ctx.height)
        _add_units(work, device, rec["owner"], ctx, {"uptime_intervals": 1})
    return effect


def _rules_bandwidth_receipt(work, tx, ctx):
    device, consumer = tx.signers
    rec = _device_rules(work, device, KIND_BANDWIDTH)
    ref = tx.fields["ref_height"]
    if ref >= ctx.height:
        raise BlockError("ref-block-unknown", f"ref_height {ref} is not below {ctx.height}")
    if ctx.height - ref > ctx.params["receipt_window_blocks"]:
        raise BlockError("receipt-too-old")
    if consumer == rec["owner"]:
        raise BlockError("self-dealing")
    skey = session_key(consumer, device, tx.fields["session"])
    if skey in work:
        raise BlockError("session-already-settled")
    cost = bandwidth_credits(tx.fields["bytes"], ctx.params)
    credits = get_account(work, consumer)["credits"]
    if credits < cost:
        raise BlockError("insufficient-credits", f"{credits} credits, {cost} needed")

    def effect():
        _put_credits(work, consumer, credits - cost)
        work[skey] = encode_session(device, ctx.height)
        _add_units(work, device, rec["owner"], ctx,
                   {"bandwidth_bytes": tx.fields["bytes"], "credits_burned": cost})
    return effect


def _rules_storage_deal(work, tx, ctx):
    client, device = tx.signers
    rec = _device_rules(work, device, KIND_STORAGE)
    if client == rec["owner"]:
        raise BlockError("self-dealing")
    f = tx.fields
    escrow = deal_escrow(f["size"], f["price"], f["duration_epochs"])
    credits = get_account(work, client)["credits"]
    if credits < escrow:
        raise BlockError("insufficient-credits", f"{credits} credits, {escrow} needed")

    def effect():
        _put_credits(work, client, get_account(work, client)["credits"] - escrow)
        work[deal_key(tx.txid())] = encode_deal({
            "client": client, "device": device, "data_root": f["data_root"], "size": f["size"],
            "chunk_size": f["chunk_size"], "start_epoch": ctx.epoch + 1,
            "duration_epochs": f["duration_epochs"], "price": f["price"], "proven_epochs": 0,
            "last_proven": 0, "escrow": escrow})
    return effect


def _rules_storage_proof(work, tx, ctx):
    f = tx.fields
    value = work.get(deal_key(f["deal"]))
    if value is None:
        raise BlockError("unknown-deal")
    deal = decode_deal(value)
    if deal["device"] != tx.signers[0]:
        raise BlockError("not-deal-device")
    rec = _device_rules(work, deal["device"], KIND_STORAGE)
    e = f["epoch"]
    if not deal["start_epoch"] <= e < deal["start_epoch"] + deal["duration_epochs"]:
        raise BlockError("deal-not-active")
    first = e * ctx.params["epoch_blocks"]
    if e > ctx.epoch or ctx.height == first:
        raise BlockError("proof-too-early")
    if e != ctx.epoch or ctx.height - first > ctx.params["storage_proof_window_blocks"]:
        raise BlockError("late-proof")
    if deal["proven_epochs"] > 0 and deal["last_proven"] == e:
        raise BlockError("proof-already-counted")
    count = chunk_count(deal["size"], deal["chunk_size"])
    index = challenged_chunk(f["deal"], ctx.recent_hash(first), count)
    if not verify_chunk(deal["data_root"], index, count, f["chunk"], f["path"]):
        raise BlockError("bad-proof", f"not chunk {index} of {count}")
    share = deal["size"] * deal["price"]

    def effect():
        deal.update(proven_epochs=deal["proven_epochs"] + 1, last_proven=e,
                    escrow=deal["escrow"] - share)
        work[deal_key(f["deal"])] = encode_deal(deal)
        _add_units(work, deal["device"], rec["owner"], ctx,
                   {"storage_byte_epochs": deal["size"], "credits_burned": share})
    return effect


_STATE_RULES = {
    TX_TRANSFER: _rules_transfer,
    TX_REGISTER_DEVICE: _rules_register_device,
    TX_BUY_CREDITS: _rules_buy_credits,
    TX_RETIRE_DEVICE: _rules_retire_device,
    TX_HEARTBEAT: _rules_heartbeat,
    TX_BANDWIDTH_RECEIPT: _rules_bandwidth_receipt,
    TX_STORAGE_DEAL: _rules_storage_deal,
    TX_STORAGE_PROOF: _rules_storage_proof,
    TX_CLAIM_REWARDS: lambda work, tx, ctx: claim_rule(work, ctx.params, tx.signers[0],
                                                       ctx.epoch),
}


def apply_transaction(records, tx: Tx, height, proposer, params, hashes=None):
    """§4.3 step 4 and the effect, in block `height` proposed by `proposer`; atomic (records
    unchanged on BlockError). hashes: {height: block hash} of earlier blocks, which
    heartbeats and storage proofs read. `height` may be a BlockContext instead (proposer,
    params and hashes are then its own)."""
    ctx = height if isinstance(height, BlockContext) else BlockContext(
        height, proposer, params, dict(hashes or {}))
    work = dict(records)
    paying = not tx.is_attestation  # an attestation touches no account of its payer
    if paying:
        payer = get_account(work, tx.payer)
        if tx.nonce < payer["nonce"]:
            raise BlockError("nonce-too-low", f"nonce {tx.nonce}, account at {payer['nonce']}")
        if tx.nonce > payer["nonce"]:
            raise BlockError("nonce-too-high", f"nonce {tx.nonce}, account at {payer['nonce']}")
        total = tx.cost() + tx.fee
        if payer["balance"] < total:
            raise BlockError("insufficient-funds")
    effect = _STATE_RULES[tx.type](work, tx, ctx)
    if paying:
        payer["balance"] -= total
        payer["nonce"] += 1
        put_account(work, tx.payer, payer)
        prop = get_account(work, ctx.proposer)
        prop["balance"] = _add(prop["balance"], tx.fee, "proposer balance")
        put_account(work, ctx.proposer, prop)
    effect()
    records.clear()
    records.update(work)


def check_block_lanes(txs):
    """§5.5 step 2's two lanes: the first failing reason, or None (the whole block's 3 MiB
    is checked on its encoding)."""
    att = [t.size() for t in txs if t.is_attestation]
    other = [t.size() for t in txs if not t.is_attestation]
    if len(other) > MAX_LANE_TXS:
        return "too-many-txs"
    if sum(other) > MAX_LANE_BYTES:
        return "txs-too-big"
    if len(att) > MAX_BLOCK_ATTESTATIONS:
        return "too-many-attestations"
    if sum(att) > MAX_ATTESTATION_BYTES:
        return "attestations-too-big"
    return None


def apply_block(records: dict, block: Block, params, parent: Header = None,
                verify_signatures=False, hashes=None):
    """Executes a decoded block on records (the parent's state), in place, as §5.5 says.
    Checks what it can (header vs parent when given, tx root, last commit hash, certificate
    target, stateless tx rules, validators hashes, state rules); signatures only when
    verify_signatures. hashes: {height: hash} of the blocks before this one, which
    heartbeats and storage proofs read (the parent's is the header's `parent`; Replay keeps
    them all). Raises BlockError. Does not compare state_root: the caller does
    (state_root(records) == block.header.state_root)."""
    h = block.header
    if h.version != 1:
        raise BlockError("bad-version")
    if h.chain_id != params["chain_id"]:
        raise BlockError("wrong-chain")
    if parent is not None:
        if h.height != parent.height + 1:
            raise BlockError("bad-height")
        if h.parent != parent.hash():
            raise BlockError("bad-parent")
        if h.time_ms <= parent.time_ms:
            raise BlockError("time-too-old")
    lanes = check_block_lanes(block.txs)
    if lanes:
        raise BlockError(lanes)
    if len(encode_block(block)) > MAX_BLOCK_BYTES:
        raise BlockError("block-too-big")
    if merkle_root([t.txid() for t in block.txs]) != h.tx_root:
        raise BlockError("bad-tx-root")
    if block.last_commit.hash() != h.last_commit_hash:
        raise BlockError("bad-last-commit-hash")
    if block.last_commit.height != h.height - 1 or block.last_commit.block_hash != h.parent:
        raise BlockError("bad-commit", "certificate is not for the parent")
    ids = [t.txid() for t in block.txs]
    if len(set(ids)) != len(ids):
        raise BlockError("duplicate-tx")
    for i, tx in enumerate(block.txs):
        reason = check_stateless(tx, params)
        if reason:
            raise BlockError(reason, f"transaction {i}")
    validators = decode_validators_record(records[VALIDATORS_KEY])
    if h.validators_hash != validators.hash():
        raise BlockError("bad-validators-hash")
    # begin-block
    last_validators = decode_validators_record(records[LAST_VALIDATORS_KEY])
    cert = block.last_commit
    if h.height == 1:
        if cert.signatures or cert.round != 0:
            raise BlockError("bad-commit", "genesis's certificate has no signatures, round 0")
    else:
        try:
            verify_commit(cert, last_validators, params["chain_id"], h.height - 1, h.parent,
                          check_signatures=verify_signatures)
        except ValueError as e:
            raise BlockError("bad-commit", str(e)) from None
        count_commit_signers(records, h.height // params["epoch_blocks"], cert, last_validators)
    if h.proposer not in validators.keys():
        raise BlockError("bad-proposer")
    ctx = BlockContext(h.height, h.proposer, params, {**(hashes or {}), h.height - 1: h.parent})
    for i, tx in enumerate(block.txs):
        try:
            apply_transaction(records, tx, ctx, h.proposer, params)
        except BlockError as e:
            raise BlockError(e.reason, f"transaction {i}: {e}") from None
    # end-block
    if records[LAST_VALIDATORS_KEY] != records[VALIDATORS_KEY]:
        records[LAST_VALIDATORS_KEY] = records[VALIDATORS_KEY]
    if (h.height + 1) % params["epoch_blocks"] == 0:
        close_epoch(records, params, h.height // params["epoch_blocks"])
    if verify_signatures:
        for i, tx in enumerate(block.txs):
            bad = check_signatures(tx)
            if bad is not None:
                raise BlockError("bad-signature", f"transaction {i}, role {tx.roles[bad]}")
    after = decode_validators_record(records[VALIDATORS_KEY])
    if h.next_validators_hash != after.hash():
        raise BlockError("bad-next-validators-hash")


def supply_invariant_holds(records) -> bool:
    """§6.2: sum of balances + locked + burned = genesis + minted."""
    s = decode_supply(records[SUPPLY_KEY])
    balances = 0
    for k, v in records.items():
        if k in (SUPPLY_KEY, VALIDATORS_KEY, LAST_VALIDATORS_KEY):
            continue
        if len(v) == 25 and v[0] == 1:
            balances += decode_account(v)["balance"]
    return balances + s["locked"] + s["burned"] == s["genesis"] + s["minted"]


def credits_conserved(records, created, last_epoch) -> bool:
    """§6.2: the credits buy_credits created (`created`) = the accounts' credits + every
    epoch's credits_burned (epochs 0 to last_epoch) + the deals' escrow. Accounts (25 bytes)
    and deals (149 bytes) are recognised by their length."""
    accounts = sum(decode_account(v)["credits"] for v in records.values()
                   if len(v) == 25 and v[0] == 1)
    escrow = sum(decode_deal(v)["escrow"] for v in records.values() if len(v) == 149)
    burned = sum(epoch_totals(records, e)["credits_burned"] for e in range(last_epoch + 1))
    return accounts + burned + escrow == created


MAX_PENDING_PER_PAYER = 64


def replay_key(tx: Tx, params) -> tuple:
    """An attestation's replay key (§4.3): heartbeat (device, interval), bandwidth_receipt
    (consumer, device, session), storage_proof (deal, epoch)."""
    f = tx.fields
    if tx.type == TX_HEARTBEAT:
        return (tx.type, tx.signers[0], f["ref_height"] // params["heartbeat_interval_blocks"])
    if tx.type == TX_BANDWIDTH_RECEIPT:
        return (tx.type, tx.signers[1], tx.signers[0], f["session"])
    if tx.type == TX_STORAGE_PROOF:
        return (tx.type, f["deal"], f["epoch"])
    raise ValueError(f"{tx.type_name} is not an attestation")


def _nonce_policy(tx, account_nonce, mine):
    """The mempool's nonce policy (§4.3) for tx, given its payer's pending transactions."""
    if tx.nonce < account_nonce:
        return "nonce-too-low"
    same = [p for p in mine if p.nonce == tx.nonce]
    if not same and tx.nonce != account_nonce + len(mine):
        return "nonce-gap"
    if same and tx.fee <= same[0].fee:
        return "replacement-fee-too-low"
    if not same and len(mine) >= MAX_PENDING_PER_PAYER:
        return "too-many-pending"
    return None


class Replay:
    """Replays a chain block by block from genesis (§5.5, §5.6): .records is the state
    after the last block, .headers[h] and .hashes[h] each block's header and hash.
    apply(raw) decodes a block, executes it on the state and checks the header's state
    root; it returns the decoded block."""

    def __init__(self, params):
        self.params = params
        self.records = genesis_records(params)
        g = genesis_header(params)
        self.headers = {0: g}
        self.hashes = {0: g.hash()}
        self.credits_created = 0

    @property
    def height(self):
        return max(self.headers)

    def context(self, height=None):
        """The BlockContext of the next block (or of block `height`), proposed by the
        parent's proposer (the dev key on dev): how a mempool checks an attestation."""
        height = self.height + 1 if height is None else height
        proposer = self.headers[height - 1].proposer if height > 1 else \
            self.params["validators"][0][0]
        return BlockContext(height, proposer, self.params, dict(self.hashes))

    def check(self, tx: Tx, pending=()):
        """What a node's mempool answers for tx on this state, in the next block's context
        (§4.3's rules and its mempool paragraphs), given the `pending` transactions: a reason
        code, or None when accepted. Not modelled: already-in-chain and the pool's byte and
        per-device bounds (mempool-full, too-many-pending of attestations)."""
        pending = list(pending)
        if any(p.txid() == tx.txid() for p in pending):
            return "already-in-mempool"
        reason = check_stateless(tx, self.params)
        if reason:
            return reason
        if check_signatures(tx) is not None:
            return "bad-signature"
        ctx = self.context()
        work = dict(self.records)
        if tx.is_attestation:
            key = replay_key(tx, self.params)
            if any(p.is_attestation and replay_key(p, self.params) == key for p in pending):
                return "already-in-mempool"
            chain = [tx]  # an attestation applies alone
        else:
            mine = sorted((p for p in pending if not p.is_attestation and p.payer == tx.payer),
                          key=lambda p: p.nonce)
            reason = _nonce_policy(tx, get_account(work, tx.payer)["nonce"], mine)
            if reason:
                return reason
            chain = [p for p in mine if p.nonce != tx.nonce] + [tx]
            chain.sort(key=lambda p: p.nonce)
        try:
            for t in chain:
                apply_transaction(work, t, ctx, None, self.params)
        except BlockError as e:
            return e.reason
        return None

    def apply(self, raw: bytes, verify_signatures=True) -> Block:
        block = decode_block(raw) if not isinstance(raw, Block) else raw
        h = block.header.height
        work = dict(self.records)
        apply_block(work, block, self.params, parent=self.headers[h - 1],
                    verify_signatures=verify_signatures, hashes=self.hashes)
        if state_root(work) != block.header.state_root:
            raise BlockError("bad-state-root", f"block {h}")
        self.records = work
        self.headers[h] = block.header
        self.hashes[h] = block.header.hash()
        self.credits_created += sum(t.fields["amount"] * self.params["credits_per_unit"]
                                    for t in block.txs if t.type == TX_BUY_CREDITS)
        return block

    def credits_conserved(self) -> bool:
        return credits_conserved(self.records, self.credits_created,
                                 self.height // self.params["epoch_blocks"])


# ==========================================================================
# Light client (§7)


def _hex(reply, name):
    v = reply.get(name)
    if not isinstance(v, str):
        raise ValueError(f"reply.{name}: missing or not a string")
    try:
        return bytes.fromhex(v)
    except ValueError:
        raise ValueError(f"reply.{name}: not hex") from None


def verify_account_proof(params, pubkey: bytes, reply: dict, height=None):
    """§7: checks a getproof reply for pubkey trusting nothing but params; returns the proven
    account {balance, nonce, credits} or None when proven absent. Raises ValueError.
    height: the height asked for (None: whatever the reply says; it cannot be checked)."""
    try:
        header = decode_header(_hex(reply, "header"))
    except ValueError as e:
        raise ValueError(f"header: does not decode: {e}") from None
    bh = header.hash()
    if _hex(reply, "blockhash") != bh:
        raise ValueError("header: its hash is not the reported blockhash")
    if header.chain_id != params["chain_id"]:
        raise ValueError(f"header: chain id {header.chain_id}, not {params['chain_id']}")
    want = height if height is not None else reply.get("height")
    if header.height != want:
        raise ValueError(f"header: height {header.height}, not the requested {want}")
    if height is not None and reply.get("height") != height:
        raise ValueError("reply: reported height is not the requested one")
    # Finality
    if header.height == 0:
        if bh.hex() != params["genesis_hash"]:
            raise ValueError("finality: height 0 but not the network's genesis")
    else:
        try:
            vs = decode_validator_set(_hex(reply, "validators"))
        except ValueError as e:
            raise ValueError(f"finality: validators do not decode: {e}") from None
        if vs.hash() != header.validators_hash:
            raise ValueError("finality: validator set is not the header's validators_hash")
        if vs.hash() != genesis_validator_set(params).hash():
            raise ValueError("finality: validator set is not the trusted (genesis) set")
        try:
            cert = decode_certificate(_hex(reply, "certificate"))
        except ValueError as e:
            raise ValueError(f"finality: certificate does not decode: {e}") from None
        try:
            verify_commit(cert, vs, params["chain_id"], header.height, bh)
        except ValueError as e:
            raise ValueError(f"finality: {e}") from None
    # Merkle proof
    key = account_key(pubkey)
    if "key" in reply and _hex(reply, "key") != key:
        raise ValueError("proof: reported key is not the account's state key")
    if "state_root" in reply and _hex(reply, "state_root") != header.state_root:
        raise ValueError("proof: reported state_root is not the header's")
    value = verify_state_proof(header.state_root, key, _hex(reply, "proof"))
    account = decode_account(value) if value is not None else None
    if account is not None and account == {"balance": 0, "nonce": 0, "credits": 0}:
        raise ValueError("proof: proves a stored all-zero account, which is never stored")
    if reply.get("account") != account:
        raise ValueError(f"account: reported {reply.get('account')!r}, proven {account!r}")
    return account
