using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using BmsPace.Tests.Influx;
using BmsPace.Tests.Mqtt;
using BmsPace.Tests.Prometheus;

namespace BmsPace.Tests.Shipping;

/// <summary>
/// tests/run.sh runs on machines that also run the user's own broker, Prometheus or InfluxDB: it installs what is
/// missing and never stops, starts or restarts a system service; every test server runs on free ports of its own.
/// </summary>
[Trait("Category", "ShippedFiles")]
public sealed class TestScriptTests
{
    [Fact]
    public void The_test_script_never_stops_starts_or_restarts_a_system_service()
    {
        string script = File.ReadAllText(RepositoryFiles.PathOf("tests", "run.sh"));
        var commands = script.Split('\n').Where(line => !line.TrimStart().StartsWith('#')).ToList();

        var touching = commands.Where(line => Regex.IsMatch(line, @"\b(systemctl|service|invoke-rc\.d|rc-service|kill|pkill|killall)\b")).ToList();
        Assert.True(touching.Count == 0, "tests/run.sh touches services or processes it did not start:\n" + string.Join('\n', touching));
    }

    [Fact]
    public async Task Every_test_server_starts_while_a_system_instance_holds_its_default_ports()
    {
        // Mosquitto 1883, Prometheus 9090, InfluxDB 8086 (HTTP) and 8088 (RPC), VictoriaMetrics 8428: held here as a
        // system service would hold them (a port a real one already holds stays held by it).
        var held = new List<TcpListener>();
        try
        {
            foreach (int port in new[] { 1883, 9090, 8086, 8088, 8428 })
            {
                var listener = new TcpListener(IPAddress.Loopback, port);
                try
                {
                    listener.Start();
                    held.Add(listener);
                }
                catch (SocketException)
                {
                    listener.Dispose();
                }
            }

            foreach (int port in new[] { 1883, 9090, 8086, 8088, 8428 })
            {
                Assert.False(IsFree(port), $"port {port} should be held for this test");
            }

            await using (var broker = await MosquittoBroker.StartAsync())
            {
                Assert.NotEqual(1883, broker.Port);
            }

            await using (var influx = await InfluxDbServer.StartAsync())
            {
                Assert.NotEqual(8086, influx.Port);
                await influx.CreateDatabaseAsync("held_ports");
            }

            await using (var victoria = await VictoriaMetricsServer.StartAsync())
            {
                Assert.NotEqual(8428, victoria.Port);
            }

            await using (var prometheus = await PrometheusServer.StartAsync(new Uri("http://127.0.0.1:9"), []))
            {
                Assert.NotEmpty(await prometheus.QueryAsync("vector(1)"));
            }
        }
        finally
        {
            foreach (var listener in held)
            {
                listener.Dispose();
            }
        }
    }

    /// <summary>Whether <paramref name="port"/> could be taken now (it should not: something holds it).</summary>
    private static bool IsFree(int port)
    {
        using var probe = new TcpListener(IPAddress.Loopback, port);
        try
        {
            probe.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
