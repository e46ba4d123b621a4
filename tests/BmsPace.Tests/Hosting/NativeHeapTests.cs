using System.Runtime.InteropServices;
using BmsPace.Hosting;

namespace BmsPace.Tests.Hosting;

public sealed class NativeHeapTests
{
    /// <summary>
    /// glibc gives a block its own mapping when it is at or above the mmap threshold; such a block starts 16 bytes
    /// into a page (its chunk header fills the rest). Left dynamic, freeing a 1 MB mapped block raises the threshold
    /// to 1 MB, and the 270 KB blocks after it would come from an arena instead, one after the other.
    /// </summary>
    [Fact]
    public void After_the_fix_a_block_of_zlib_state_size_gets_its_own_mapping_even_after_a_larger_one_was_freed()
    {
        Assert.True(NativeHeap.ReturnLargeBlocksToTheSystem(), "mallopt(M_MMAP_THRESHOLD) was refused: not glibc?");

        Marshal.FreeHGlobal(Marshal.AllocHGlobal(1024 * 1024));
        var blocks = Enumerable.Range(0, 4).Select(_ => Marshal.AllocHGlobal(270 * 1024)).ToList();
        try
        {
            Assert.All(blocks, block => Assert.Equal(16, block % Environment.SystemPageSize));
        }
        finally
        {
            blocks.ForEach(Marshal.FreeHGlobal);
        }
    }
}
