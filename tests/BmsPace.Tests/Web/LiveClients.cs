using System.Net;
using System.Net.Sockets;
using System.Text;

namespace BmsPace.Tests.Web;

/// <summary>
/// Many live pages at once, as browsers hold them: each its own connection to <c>api/v1/events</c>, read line by line
/// as it arrives, counting the status events it got. Also compiled into the benchmarks, so it uses nothing else of the
/// tests.
/// </summary>
internal sealed class LiveClients : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly HttpClient _http;
    private readonly int[] _statusEvents;
    private readonly HttpStatusCode?[] _answers;
    private readonly Task[] _readers;

    private LiveClients(Uri events, int count)
    {
        _http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = Timeout.InfiniteTimeSpan }) { Timeout = Timeout.InfiniteTimeSpan };
        _statusEvents = new int[count];
        _answers = new HttpStatusCode?[count];
        _readers = [.. Enumerable.Range(0, count).Select(i => ReadAsync(events, i))];
    }

    public int Count => _statusEvents.Length;

    public static LiveClients Open(Uri events, int count) => new(events, count);

    /// <summary>Status events each client has received so far.</summary>
    public int[] StatusEvents() => [.. _statusEvents.Select((_, i) => Volatile.Read(ref _statusEvents[i]))];

    /// <summary>The clients the exporter answered with something other than a stream.</summary>
    public IEnumerable<string> Refused() => _answers
        .Select((answer, i) => (answer, i))
        .Where(a => a.answer is { } code && code != HttpStatusCode.OK)
        .Select(a => $"client {a.i}: {(int)a.answer!.Value}");

    /// <summary>The clients whose stream ended or failed while the test still held it.</summary>
    public IEnumerable<string> Ended() => _readers
        .Select((reader, i) => (reader, i))
        .Where(r => r.reader.IsCompleted)
        .Select(r => $"client {r.i}: {(r.reader.Exception?.InnerException?.Message ?? "stream ended")}");

    /// <summary>Until every client has received more than <paramref name="before"/>'s count of status events (all of them at least one).</summary>
    public async Task EveryOneGotAnotherAsync(int[]? before, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!StatusEvents().Select((n, i) => n > (before?[i] ?? 0)).All(got => got))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"timed out after {timeout.TotalSeconds:F0} s waiting for a new status event on each of {Count} live streams (refused: {string.Join(", ", Refused().Take(3))}; ended: {string.Join(", ", Ended().Take(3))})");
            }

            await Task.Delay(100);
        }
    }

    private async Task ReadAsync(Uri events, int index)
    {
        // Started one after another's first step, as pages open: every client connects before any is read.
        await Task.Yield();
        using var response = await _http.GetAsync(events, HttpCompletionOption.ResponseHeadersRead, _stop.Token);
        _answers[index] = response.StatusCode;
        if (response.StatusCode != HttpStatusCode.OK)
        {
            return;
        }

        await using var body = await response.Content.ReadAsStreamAsync(_stop.Token);
        using var reader = new StreamReader(body, Encoding.UTF8);
        while (await reader.ReadLineAsync(_stop.Token) is { } line)
        {
            if (line == "event: status")
            {
                Interlocked.Increment(ref _statusEvents[index]);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested)
        {
            return;
        }

        await _stop.CancelAsync();
        try
        {
            await Task.WhenAll(_readers);
        }
        catch (Exception error) when (error is OperationCanceledException or HttpRequestException or IOException or SocketException)
        {
            // Each stream ends with the test.
        }

        _http.Dispose();
        _stop.Dispose();
    }
}
