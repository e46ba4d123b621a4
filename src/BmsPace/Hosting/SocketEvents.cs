namespace BmsPace.Hosting;

/// <summary>Where the runtime runs the code that follows a socket read or write: the web host, the TCP links, the outputs.</summary>
internal static class SocketEvents
{
    private const string InlineCompletionsVariable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    /// <summary>
    /// Runs socket continuations on the runtime's event threads (one per core) instead of handing each to the thread
    /// pool. Every handler of the web host answers from bytes rendered beforehand, the links only hand bytes on, and the
    /// rare heavy work (bcrypt) moves to the pool itself, so the hop only cost time: measured with wrk on
    /// /api/v1/status (16 packs), together with Kestrel's inline scheduling, CPU per request fell from about 12 to 8 us
    /// (README, Benchmarks). The runtime reads the variable once, when the first socket is made, so this runs first; a
    /// value the user set wins.
    /// </summary>
    public static void HandleOnEventThreads()
    {
        if (Environment.GetEnvironmentVariable(InlineCompletionsVariable) is null)
        {
            Environment.SetEnvironmentVariable(InlineCompletionsVariable, "1");
        }
    }
}
