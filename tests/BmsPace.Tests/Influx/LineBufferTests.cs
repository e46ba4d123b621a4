using BmsPace.Outputs.Influx;

namespace BmsPace.Tests.Influx;

public class LineBufferTests
{
    private static string[] Lines(int from, int count) => [.. Enumerable.Range(from, count).Select(i => $"l{i}")];

    [Fact]
    public void Overflow_DropsTheOldest()
    {
        var buffer = new LineBuffer(5);

        Assert.Equal(0, buffer.Enqueue(Lines(0, 4)));
        Assert.Equal(3, buffer.Enqueue(Lines(4, 4)));

        Assert.Equal(Lines(3, 5), buffer.TakeBatch(10));
    }

    [Fact]
    public void AFailedBatch_StaysAtTheHead_AndASuccessfulOneIsRemoved()
    {
        var buffer = new LineBuffer(10);
        buffer.Enqueue(Lines(0, 6));

        Assert.Equal(Lines(0, 4), buffer.TakeBatch(4));
        Assert.Equal(0, buffer.CompleteBatch(consumed: false));
        Assert.Equal(Lines(0, 4), buffer.TakeBatch(4));
        buffer.CompleteBatch(consumed: true);

        Assert.Equal(2, buffer.Count);
        Assert.Equal(Lines(4, 2), buffer.TakeBatch(4));
    }

    [Fact]
    public void InFlightLinesDroppedForRoom_AreReportedAtCompletion_AndNotRemovedTwice()
    {
        var buffer = new LineBuffer(4);
        buffer.Enqueue(Lines(0, 4));
        buffer.TakeBatch(2);

        Assert.Equal(0, buffer.Enqueue(Lines(4, 2)));
        Assert.Equal(1, buffer.Enqueue(Lines(6, 1)));
        Assert.Equal(2, buffer.CompleteBatch(consumed: false));
        Assert.Equal(Lines(3, 4), buffer.TakeBatch(10));

        buffer.CompleteBatch(consumed: false);
        buffer.TakeBatch(2);
        Assert.Equal(0, buffer.Enqueue(Lines(7, 1)));
        Assert.Equal(1, buffer.CompleteBatch(consumed: true));
        Assert.Equal(Lines(5, 3), buffer.TakeBatch(10));
    }

    [Fact]
    public void Capacity_OnlyGrows()
    {
        var buffer = new LineBuffer(10);
        buffer.GrowTo(100);
        buffer.GrowTo(50);

        Assert.Equal(100, buffer.Capacity);
    }
}
