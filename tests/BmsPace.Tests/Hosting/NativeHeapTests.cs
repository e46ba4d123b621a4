using System.Runtime.InteropServices;
using BmsPace.Hosting;

namespace BmsPace.Tests.Hosting;

public sealed class NativeHeapTests
{
    /// <summary>
    /// glibc gives a block its own mapping when it is at or above the mmap threshold and no free chunk of the arena
    /// fits it; such a block starts 16 bytes into a page (its chunk header fills the rest). Left dynamic, freeing a
    /// 16 MB mapped block raises the threshold to 16 MB, and the 8 MB blocks after it would be carved one after the
    /// other from an arena instead. Blocks this large find no free chunk even in a busy test process.
    /// </summary>
    [Fact]
    public void After_the_fix_large_blocks_get_their_own_mapping_even_after_a_larger_one_was_freed()
    {
        Assert.True(NativeHeap.ReturnLargeBlocksToTheSystem(), "mallopt(M_MMAP_THRESHOLD) was refused: not glibc?");

        Marshal.FreeHGlobal(Marshal.AllocHGlobal(16 * 1024 * 1024));
        var blocks = Enumerable.Range(0, 4).Select(_ => Marshal.AllocHGlobal(8 * 1024 * 1024)).ToList();
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
