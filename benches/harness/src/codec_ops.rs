//! The operations of scenario `codec` and their iterations at scale 1. The kube-rs peer compiles
//! this same file; the client-go peer has a copy of the table in `codec.go`.

/// Iterations of each operation at scale 1 (every side uses the same table).
pub const OPS: &[(&str, u32)] = &[
    ("pod2k_decode_json", 20_000),
    ("pod2k_encode_json", 20_000),
    ("pod10k_decode_json", 5_000),
    ("pod10k_encode_json", 5_000),
    ("podlist10k_decode_json", 3),
    ("podlist10k_encode_json", 3),
    ("cm1m_decode_json", 50),
    ("cm1m_encode_json", 50),
    ("pod10k_decode_yaml", 300),
    ("pod10k_encode_yaml", 300),
    ("podlist1k_decode_yaml", 2),
    ("pod10k_decode_dyn", 5_000),
    ("pod10k_encode_dyn", 5_000),
    ("podlist10k_decode_dyn", 3),
];
