//! Which vector extensions this processor has, for the order loops compiled in several copies
//! (a portable one, one for AVX2, one for AVX-512) and chosen when they run. Every copy
//! computes the same values, so the same cents, with more lanes per instruction where the
//! processor has them: Rust rounds every floating-point operation as written and never fuses
//! a multiply and an add unless the source asks for it (`mul_add`), whatever the extensions
//! a copy is compiled for.

/// Whether the processor has the AVX-512 extensions the loops' AVX-512 copies are compiled
/// for (F, DQ, VL, BW: eight doubles or 64-bit integers per instruction, and conversions
/// between them in one instruction).
#[cfg(target_arch = "x86_64")]
pub fn has_avx512() -> bool {
    std::is_x86_feature_detected!("avx512f")
        && std::is_x86_feature_detected!("avx512dq")
        && std::is_x86_feature_detected!("avx512vl")
        && std::is_x86_feature_detected!("avx512bw")
}

/// Whether the processor has AVX2 (four doubles or 64-bit integers per instruction).
#[cfg(target_arch = "x86_64")]
pub fn has_avx2() -> bool {
    std::is_x86_feature_detected!("avx2")
}
