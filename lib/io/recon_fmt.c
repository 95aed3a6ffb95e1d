/* recon_fmt.c: exact "%.9g" formatting of float32 without printf (the CSV
 * writer's hot path). The float's exact value m * 2^e is expanded into a
 * 128-bit integer times a power of ten, rounded to nine significant digits
 * half-to-even (as glibc's printf rounds the exact binary value), and laid
 * out by the %g rules; values whose expansion does not fit 128 bits (below
 * about 5e-7 or above about 2e37) and non-finite values go to snprintf. */
#include "recon_impl.h"

#if !defined(__SIZEOF_INT128__)
/* no 128-bit integers: printf only */
int cs_fmt_float9(char *buf, float v)
{
    return snprintf(buf, 32, "%.9g", (double)v);
}
#else
typedef unsigned __int128 u128;

/* 10^0 .. 10^38 */
static const u128 P10[39] = {
    ((u128)0x0ULL << 64) | 0x1ULL,
    ((u128)0x0ULL << 64) | 0xaULL,
    ((u128)0x0ULL << 64) | 0x64ULL,
    ((u128)0x0ULL << 64) | 0x3e8ULL,
    ((u128)0x0ULL << 64) | 0x2710ULL,
    ((u128)0x0ULL << 64) | 0x186a0ULL,
    ((u128)0x0ULL << 64) | 0xf4240ULL,
    ((u128)0x0ULL << 64) | 0x989680ULL,
    ((u128)0x0ULL << 64) | 0x5f5e100ULL,
    ((u128)0x0ULL << 64) | 0x3b9aca00ULL,
    ((u128)0x0ULL << 64) | 0x2540be400ULL,
    ((u128)0x0ULL << 64) | 0x174876e800ULL,
    ((u128)0x0ULL << 64) | 0xe8d4a51000ULL,
    ((u128)0x0ULL << 64) | 0x9184e72a000ULL,
    ((u128)0x0ULL << 64) | 0x5af3107a4000ULL,
    ((u128)0x0ULL << 64) | 0x38d7ea4c68000ULL,
    ((u128)0x0ULL << 64) | 0x2386f26fc10000ULL,
    ((u128)0x0ULL << 64) | 0x16345785d8a0000ULL,
    ((u128)0x0ULL << 64) | 0xde0b6b3a7640000ULL,
    ((u128)0x0ULL << 64) | 0x8ac7230489e80000ULL,
    ((u128)0x5ULL << 64) | 0x6bc75e2d63100000ULL,
    ((u128)0x36ULL << 64) | 0x35c9adc5dea00000ULL,
    ((u128)0x21eULL << 64) | 0x19e0c9bab2400000ULL,
    ((u128)0x152dULL << 64) | 0x2c7e14af6800000ULL,
    ((u128)0xd3c2ULL << 64) | 0x1bcecceda1000000ULL,
    ((u128)0x84595ULL << 64) | 0x161401484a000000ULL,
    ((u128)0x52b7d2ULL << 64) | 0xdcc80cd2e4000000ULL,
    ((u128)0x33b2e3cULL << 64) | 0x9fd0803ce8000000ULL,
    ((u128)0x204fce5eULL << 64) | 0x3e25026110000000ULL,
    ((u128)0x1431e0faeULL << 64) | 0x6d7217caa0000000ULL,
    ((u128)0xc9f2c9cd0ULL << 64) | 0x4674edea40000000ULL,
    ((u128)0x7e37be2022ULL << 64) | 0xc0914b2680000000ULL,
    ((u128)0x4ee2d6d415bULL << 64) | 0x85acef8100000000ULL,
    ((u128)0x314dc6448d93ULL << 64) | 0x38c15b0a00000000ULL,
    ((u128)0x1ed09bead87c0ULL << 64) | 0x378d8e6400000000ULL,
    ((u128)0x13426172c74d82ULL << 64) | 0x2b878fe800000000ULL,
    ((u128)0xc097ce7bc90715ULL << 64) | 0xb34b9f1000000000ULL,
    ((u128)0x785ee10d5da46d9ULL << 64) | 0xf436a000000000ULL,
    ((u128)0x4b3b4ca85a86c47aULL << 64) | 0x98a224000000000ULL};

/* 5^0 .. 5^27 */
static const uint64_t P5[28] = {1ULL, 5ULL, 25ULL, 125ULL, 625ULL, 3125ULL, 15625ULL, 78125ULL, 390625ULL,
    1953125ULL, 9765625ULL, 48828125ULL, 244140625ULL, 1220703125ULL, 6103515625ULL, 30517578125ULL,
    152587890625ULL, 762939453125ULL, 3814697265625ULL, 19073486328125ULL, 95367431640625ULL,
    476837158203125ULL, 2384185791015625ULL, 11920928955078125ULL, 59604644775390625ULL,
    298023223876953125ULL, 1490116119384765625ULL, 7450580596923828125ULL};

/* m * 5^k exactly (fits: callers keep m < 2^24, k <= 44) */
static u128 mul_pow5(uint64_t m, int k)
{
    u128 a = (u128)m * (k < 28 ? P5[k] : P5[27]);
    for (int i = 27; i < k; i++) a *= 5;
    return a;
}

/* decimal digits of N >= 1 */
static int ndigits(u128 N)
{
    uint64_t hi = (uint64_t)(N >> 64);
    int bits = hi ? 128 - __builtin_clzll(hi) : 64 - __builtin_clzll((uint64_t)N);
    int t = (bits * 1233) >> 12;
    return t + 1 - (N < P10[t]);
}

static int fmt_slow(char *buf, float v)
{
    return snprintf(buf, 32, "%.9g", (double)v);
}

int cs_fmt_float9(char *buf, float v)
{
    uint32_t u = cs_f2u(v);
    int neg = (int)(u >> 31);
    uint32_t bexp = (u >> 23) & 0xff, frac = u & 0x7fffff;
    if (bexp == 0xff) return fmt_slow(buf, v);
    if (!bexp && !frac) {
        if (neg) { memcpy(buf, "-0", 3); return 2; }
        memcpy(buf, "0", 2);
        return 1;
    }
    uint64_t m = bexp ? (frac | 0x800000u) : frac;
    int e = bexp ? (int)bexp - 150 : -149;
    u128 N;
    int dexp;
    if (e >= 0) {
        if (e > 100) return fmt_slow(buf, v);
        N = (u128)m << e;
        dexp = 0;
    } else {
        int k = -e;
        if (k > 44) return fmt_slow(buf, v);
        N = mul_pow5(m, k);
        dexp = -k;
    }
    int D = ndigits(N);
    int X = D - 1 + dexp; /* decimal exponent of the leading digit */
    uint64_t q;
    if (D > 9) {
        int j = D - 9; /* digits to drop: q = round(N / 10^j), half to even */
        u128 qq, r, half;
        int up;
        if (e < 0) {
            /* N / 10^j = m 5^(k-j) / 2^j exactly (j < k): a shift, no division */
            int k = -e;
            u128 A = mul_pow5(m, k - j);
            qq = A >> j;
            r = A & (((u128)1 << j) - 1);
            half = (u128)1 << (j - 1);
        } else {
            u128 div = P10[j];
            qq = N / div;
            r = N - qq * div;
            half = div / 2;
        }
        up = r > half || (r == half && (qq & 1));
        qq += (u128)up;
        if (qq == 1000000000u) { qq = 100000000u; X++; }
        q = (uint64_t)qq;
    } else {
        q = (uint64_t)N * (uint64_t)P10[9 - D];
    }
    char dg[9];
    for (int i = 8; i >= 0; i--) { dg[i] = (char)('0' + q % 10); q /= 10; }
    int nd = 9;
    while (nd > 1 && dg[nd - 1] == '0') nd--; /* significant digits after stripping zeros */
    char *p = buf;
    if (neg) *p++ = '-';
    if (X < -4 || X >= 9) {
        *p++ = dg[0];
        if (nd > 1) { *p++ = '.'; memcpy(p, dg + 1, (size_t)nd - 1); p += nd - 1; }
        *p++ = 'e';
        *p++ = X < 0 ? '-' : '+';
        int ax = X < 0 ? -X : X;
        if (ax >= 100) *p++ = (char)('0' + ax / 100);
        *p++ = (char)('0' + ax / 10 % 10);
        *p++ = (char)('0' + ax % 10);
    } else if (X >= 0) {
        memcpy(p, dg, (size_t)X + 1);
        p += X + 1;
        if (nd > X + 1) { *p++ = '.'; memcpy(p, dg + X + 1, (size_t)(nd - X - 1)); p += nd - X - 1; }
    } else {
        *p++ = '0';
        *p++ = '.';
        for (int i = 0; i < -X - 1; i++) *p++ = '0';
        memcpy(p, dg, (size_t)nd);
        p += nd;
    }
    *p = 0;
    return (int)(p - buf);
}
#endif
