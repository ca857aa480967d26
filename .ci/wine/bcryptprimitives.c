/* A stand-in for Windows' bcryptprimitives.dll, for running the crate's
 * Windows build under Wine 8 (Debian 12), which lacks that DLL. Rust's
 * standard library and the getrandom crate take their randomness from its
 * one export, ProcessPrng (Windows 10+); without it no test binary starts.
 * Wine 9 ships the DLL; real Windows never loads this file (it is built
 * only by .ci/run, next to the binaries run under Wine).
 *
 * ProcessPrng is answered with BCryptGenRandom from the system-preferred
 * RNG, which Wine implements. Like the real one it never fails for valid
 * arguments; it returns FALSE if the system RNG does. */
#include <windows.h>
#include <bcrypt.h>

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
    while (len > 0) {
        ULONG chunk = len > 0x40000000 ? 0x40000000 : (ULONG)len;
        if (BCryptGenRandom(NULL, data, chunk, BCRYPT_USE_SYSTEM_PREFERRED_RNG) != 0)
            return FALSE;
        data += chunk;
        len -= chunk;
    }
    return TRUE;
}
