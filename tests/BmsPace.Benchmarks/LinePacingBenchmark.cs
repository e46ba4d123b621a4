using System.Diagnostics;
using System.Globalization;
using System.Net;
using BmsPace.Protocol.Commands;
using BmsPace.Protocol.Dialects;
using BmsPace.Simulator;
using BmsPace.Tests;
using BmsPace.Transport;

namespace BmsPace.Benchmarks;

/// <summary>
/// Exchange time over TCP against the simulator paced at a baud rate, compared with the time the line itself needs
/// (request + reply at 10 bits per byte, plus the think time). The reader and the pacer should add little: ratio near 1.
/// </summary>
internal static class LinePacingBenchmark
{
    public static void Register() => BenchmarkRunner.Register(
        "line-pacing",
        "exchange time / line time over TCP with the simulator paced at 9600 baud (args: [exchanges] [baud] [packs]); exit 1 above 1.10",
        RunAsync);

    private static async Task<int> RunAsync(string[] args)
    {
        int exchanges = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 20;
        int baud = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 9600;
        int packs = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 3;
        var think = TimeSpan.FromMilliseconds(20);
        var bms = new SimulatedBms(new SimulatedBmsOptions { Packs = packs, BaudRate = baud, ThinkTime = think });
        await using var server = SimulatorTcpServer.Start(bms, new IPEndPoint(IPAddress.Loopback, 0));
        await using var transport = new TcpTransport("127.0.0.1", server.EndPoint.Port);
        string request = AsciiDialectCalls.PaceRequest(CommandKind.Analog, 0x25, 1);

        string reply = await transport.ExchangeAsync(request, TimeSpan.FromSeconds(10), CancellationToken.None);
        var line = TimeSpan.FromSeconds((request.Length + reply.Length) * 10.0 / baud) + think;
        var total = TimeSpan.Zero;
        var worst = TimeSpan.Zero;
        for (int i = 0; i < exchanges; i++)
        {
            long started = Stopwatch.GetTimestamp();
            await transport.ExchangeAsync(request, TimeSpan.FromSeconds(10), CancellationToken.None);
            var elapsed = Stopwatch.GetElapsedTime(started);
            total += elapsed;
            worst = elapsed > worst ? elapsed : worst;
        }

        double mean = total.TotalMilliseconds / exchanges;
        double ratio = mean / line.TotalMilliseconds;
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"line-pacing: {exchanges} exchanges, {request.Length}+{reply.Length} bytes at {baud} baud, think {think.TotalMilliseconds:F0} ms: line {line.TotalMilliseconds:F1} ms, mean {mean:F1} ms, worst {worst.TotalMilliseconds:F1} ms, ratio {ratio:F3}"));
        return ratio <= 1.10 ? 0 : 1;
    }
}
