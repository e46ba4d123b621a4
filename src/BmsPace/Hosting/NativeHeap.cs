using System.Runtime.InteropServices;

namespace BmsPace.Hosting;

/// <summary>How the C library's allocator treats the native memory the program uses (zlib's state for each gzip rendering).</summary>
internal static partial class NativeHeap
{
    /// <summary>glibc's <c>M_MMAP_THRESHOLD</c> parameter of <c>mallopt</c>.</summary>
    private const int MmapThresholdParameter = -3;

    /// <summary>glibc's default threshold: blocks of this size or larger get their own mapping, returned to the system when freed.</summary>
    private const int MmapThresholdBytes = 128 * 1024;

    /// <summary>
    /// Fixes glibc's mmap threshold at its default. Left dynamic, glibc raises it to the size of the first large block
    /// freed (zlib's ~270 KB deflate state, allocated and freed by every gzip rendering of /metrics), after which such
    /// blocks come from the per-thread arenas and stay resident: measured at 8 simulated packs, 5 MB of RSS across the
    /// thread-pool threads' arenas (README, Benchmarks). Returns false where the C library has no such setting (not glibc).
    /// </summary>
    public static bool ReturnLargeBlocksToTheSystem()
    {
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }

        try
        {
            return mallopt(MmapThresholdParameter, MmapThresholdBytes) == 1;
        }
        catch (EntryPointNotFoundException)
        {
            return false;
        }
    }

    [LibraryImport("libc")]
    private static partial int mallopt(int parameter, int value);
}
