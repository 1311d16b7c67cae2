//! Named random streams: one portable generator per (seed, path, stream name), so that a path's
//! draws never depend on the thread count, the batch schedule or the shard (see
//! `docs/architecture.md`). Below every product and the engine.

use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

/// The generator of every stream: xoshiro256++, a named, portable algorithm whose output is
/// fixed by its reference implementation (unlike `StdRng`, which may change between releases).
pub type PathRng = Xoshiro256PlusPlus;

/// SplitMix64's finaliser: a bijection on u64 with full avalanche.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// FNV-1a hash of a stream name: stable across platforms and releases.
pub fn stream_id(name: &str) -> u64 {
    name.bytes().fold(0xCBF2_9CE4_8422_2325, |h, b| {
        (h ^ b as u64).wrapping_mul(0x0100_0000_01B3)
    })
}

/// The random stream named `id` of path `path` under `seed`. The state words are chained
/// bijections of seed, path and name, so distinct (seed, path, name) never share a state.
pub fn stream(seed: u64, path: u64, id: u64) -> PathRng {
    let s0 = mix(seed);
    let s1 = mix(path ^ s0);
    let s2 = mix(id ^ s1);
    let s3 = mix(s0 ^ s2 ^ 0x5851_F42D_4C95_7F2D);
    let mut bytes = [0u8; 32];
    for (chunk, w) in bytes.chunks_exact_mut(8).zip([s0, s1, s2, s3]) {
        chunk.copy_from_slice(&w.to_le_bytes());
    }
    PathRng::from_seed(bytes)
}
