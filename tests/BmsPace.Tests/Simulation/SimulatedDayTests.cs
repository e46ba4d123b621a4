using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using BmsPace.Configuration;
using BmsPace.Polling;
using BmsPace.Protocol.Commands;
using BmsPace.Simulator;
using BmsPace.Outputs.Prometheus;
using BmsPace.Tests.Polling;
using BmsPace.Tests.Prometheus;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using YamlDotNet.RepresentationModel;

namespace BmsPace.Tests.Simulation;

/// <summary>
/// A day of the built-in simulator, read the way the compose demo reads it: the real poller asks the simulator, the
/// Prometheus sink renders what it decoded, and every alert rule of grafana/alerts/bms-pace.rules.yml is judged on that
/// exposition. The demo must show a battery that charges and discharges without setting off an alert.
/// </summary>
public sealed partial class SimulatedDayTests
{
    private static readonly DateTimeOffset Start = new(2026, 6, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Rules on series Prometheus makes itself, not the exporter: nothing in the exposition to judge.</summary>
    private static readonly HashSet<string> MadeByPrometheus = ["PaceBmsExporterDown"];

    [Theory]
    [InlineData(1, 3, 16, 14)]
    [InlineData(42, 3, 16, 14)]
    [InlineData(7, 16, 16, 0)]
    [InlineData(3, 2, 15, 22)]
    public async Task A_simulated_day_charges_and_discharges_and_sets_off_no_alert_rule(int seed, int packs, int cells, int tail)
    {
        var rules = AlertRules();
        var time = new FakeTimeProvider(Start);
        var options = new SimulatedBmsOptions { Packs = packs, Cells = cells, TailBytes = tail, Seed = seed };
        var bms = new SimulatedBms(options, time);
        var transport = new ScriptedTransport(request => Encoding.Latin1.GetString(bms.Respond(request).Bytes) is { Length: > 0 } reply ? reply : null);
        var settings = new BmsPaceOptions { RequestGap = TimeSpan.Zero };
        var poller = new BatteryPoller(settings.Batteries[0] with { Protocol = "pace" }, settings, transport, time, NullLogger.Instance);
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(time);
        services.AddPrometheusExporter(settings);
        await using var provider = services.BuildServiceProvider();
        var sink = provider.GetRequiredService<PrometheusSink>();

        var judged = new HashSet<string>();
        var socByPack = new Dictionary<string, (double Min, double Max)>();
        double charged = 0, discharged = 0;

        // A day of model time, polled every 5 minutes of it.
        var pollEvery = TimeSpan.FromMinutes(5) / options.TimeScale;
        int polls = (int)(TimeSpan.FromDays(1) / options.TimeScale / pollEvery);
        for (int poll = 0; poll <= polls; poll++)
        {
            var result = await poller.PollOnceAsync(CancellationToken.None);
            Assert.True(result.AnalogAnswered && result.AlarmAnswered, $"poll {poll} unanswered");
            await sink.PublishAsync(result.Snapshot, CancellationToken.None);
            var series = Exposition.Parse(Encoding.UTF8.GetString((await sink.GetRenderedAsync(CancellationToken.None)).Plain));
            foreach (var rule in rules.Where(r => !MadeByPrometheus.Contains(r.Alert)))
            {
                switch (rule.Judge(series))
                {
                    case null:
                        Assert.Fail($"{rule.Alert}: '{rule.Expression}' has no series in the exposition to judge");
                        break;
                    case true:
                        Assert.Fail($"{rule.Alert} ('{rule.Expression}') fires at model hour {poll * 5 / 60.0:0.00}: {rule.Culprits(series)}");
                        break;
                }

                judged.Add(rule.Alert);
            }

            foreach (string key in series.Named("pace_bms_state_of_charge_ratio"))
            {
                double soc = series[key];
                var (min, max) = socByPack.GetValueOrDefault(key, (soc, soc));
                socByPack[key] = (Math.Min(min, soc), Math.Max(max, soc));
            }

            foreach (var pack in result.AnalogPacks)
            {
                charged = Math.Max(charged, pack.CurrentAmperes);
                discharged = Math.Min(discharged, pack.CurrentAmperes);
            }

            time.Advance(pollEvery);
        }

        Assert.Equal(rules.Select(r => r.Alert).Except(MadeByPrometheus).Order(), judged.Order());
        Assert.Equal(packs, socByPack.Count);
        Assert.All(socByPack, soc =>
        {
            Assert.True(soc.Value.Max - soc.Value.Min > 0.4, $"{soc.Key} moved only between {soc.Value.Min:0.00} and {soc.Value.Max:0.00} in a day");
            Assert.InRange(soc.Value.Min, 0.3, 0.5);
            Assert.InRange(soc.Value.Max, 0.9, 0.96);
        });
        Assert.True(charged > 10, $"the strongest charge of the day was {charged} A");
        Assert.True(discharged < -3, $"the strongest discharge of the day was {discharged} A");
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(5, 3)]
    [InlineData(9, 16)]
    public void Every_packs_charge_follows_its_current_and_its_capacity_and_its_voltage_follows_the_charge(int seed, int packs)
    {
        // Real time (scale 1), asked every 10 s, the model's step: each step's current moves the charge by current x time.
        var time = new FakeTimeProvider(Start);
        var options = new SimulatedBmsOptions { Packs = packs, Seed = seed, TailBytes = 0, TimeScale = 1 };
        var bms = new RecordedBms(options, time);
        Ask(bms);
        var integrated = Enumerable.Range(1, packs).Select(p => bms.LastSentAnalog(p)!.RemainingAmpHours).ToArray();
        var emptiest = Enumerable.Range(1, packs).Select(p => bms.LastSentAnalog(p)!).ToArray();
        var fullest = emptiest.ToArray();
        for (int i = 0; i < 8640; i++)
        {
            time.Advance(TimeSpan.FromSeconds(10));
            Ask(bms);
            for (int pack = 1; pack <= packs; pack++)
            {
                var now = bms.LastSentAnalog(pack)!;
                integrated[pack - 1] += now.CurrentAmperes * 10 / 3600;
                Assert.True(now.RemainingAmpHours <= now.FullAmpHours, $"pack {pack}: remaining {now.RemainingAmpHours} Ah above full {now.FullAmpHours} Ah");
                Assert.Equal(integrated[pack - 1], now.RemainingAmpHours, 0.05);
                Assert.Equal(now.CellVoltagesVolts.Sum(), now.VoltageVolts, 6);
                Assert.InRange(now.VoltageVolts / now.CellVoltagesVolts.Length, 3.25, 3.40);
                Assert.InRange(now.TemperaturesCelsius.Min(), 15, 45);
                Assert.InRange(now.TemperaturesCelsius.Max(), 15, 45);
                if (now.StateOfChargeCalculatedRatio < emptiest[pack - 1].StateOfChargeCalculatedRatio)
                {
                    emptiest[pack - 1] = now;
                }

                if (now.StateOfChargeCalculatedRatio > fullest[pack - 1].StateOfChargeCalculatedRatio)
                {
                    fullest[pack - 1] = now;
                }
            }
        }

        // Voltage follows the charge: near full the cells stand well above where they stand near the reserve.
        Assert.All(fullest.Zip(emptiest), p => Assert.True(
            p.First.VoltageVolts - p.Second.VoltageVolts > 0.03 * p.First.CellVoltagesVolts.Length,
            $"pack {p.First.Pack}: {p.First.VoltageVolts} V at {p.First.StateOfChargeCalculatedRatio:0.00}, {p.Second.VoltageVolts} V at {p.Second.StateOfChargeCalculatedRatio:0.00}"));
    }

    [Fact]
    public void The_same_seed_and_the_same_clock_give_the_same_day_however_often_it_is_asked()
    {
        var options = new SimulatedBmsOptions { Packs = 2, Seed = 12 };
        var often = new FakeTimeProvider(Start);
        var seldom = new FakeTimeProvider(Start);
        var asked = new RecordedBms(options, often);
        var rarely = new RecordedBms(options, seldom);
        // Two minutes of clock are 48 minutes of battery, within the hour a single request may move it.
        for (int halfMinute = 1; halfMinute <= 60; halfMinute++)
        {
            often.Advance(TimeSpan.FromSeconds(30));
            Ask(asked);
            if (halfMinute % 4 == 0)
            {
                seldom.Advance(TimeSpan.FromMinutes(2));
                Ask(rarely);
                Assert.Equal(asked.LastReply(0x42), rarely.LastReply(0x42));
            }
        }
    }

    private static void Ask(RecordedBms bms)
    {
        bms.Respond(AsciiDialectCalls.PaceRequest(CommandKind.Analog, 0x25, 1, 0xFF));
        bms.Respond(AsciiDialectCalls.PaceRequest(CommandKind.Alarm, 0x25, 1, 0xFF));
    }

    private static List<AlertRule> AlertRules()
    {
        var yaml = new YamlStream();
        using (var reader = new StringReader(File.ReadAllText(RepoPaths.Grafana("alerts", "bms-pace.rules.yml"))))
        {
            yaml.Load(reader);
        }

        var rules = new List<AlertRule>();
        foreach (var group in (YamlSequenceNode)((YamlMappingNode)yaml.Documents[0].RootNode).Children[new YamlScalarNode("groups")])
        {
            foreach (var rule in ((YamlSequenceNode)((YamlMappingNode)group).Children[new YamlScalarNode("rules")]).Cast<YamlMappingNode>())
            {
                rules.Add(new AlertRule(
                    ((YamlScalarNode)rule.Children[new YamlScalarNode("alert")]).Value!,
                    ((YamlScalarNode)rule.Children[new YamlScalarNode("expr")]).Value!.Trim()));
            }
        }

        Assert.NotEmpty(rules);
        return rules;
    }

    /// <summary>
    /// One alert rule, for the two shapes the rules file uses on the exporter's series: <c>METRIC OP NUMBER</c> and
    /// <c>absent(METRIC)</c>. Another shape fails the test rather than pass unjudged.
    /// </summary>
    private sealed partial record AlertRule(string Alert, string Expression)
    {
        /// <summary>Whether the rule's expression selects a series (null when no series it compares exists).</summary>
        public bool? Judge(Dictionary<string, double> series)
        {
            if (AbsentPattern().Match(Expression) is { Success: true } absent)
            {
                return !series.Named(absent.Groups["metric"].Value).Any();
            }

            var compared = Compared(series);
            return compared.Count == 0 ? null : compared.Any(s => s.Fires);
        }

        public string Culprits(Dictionary<string, double> series) => AbsentPattern().IsMatch(Expression)
            ? "the series is absent"
            : string.Join(", ", Compared(series).Where(s => s.Fires).Select(s => $"{s.Key} = {s.Value.ToString(CultureInfo.InvariantCulture)}"));

        private List<(string Key, double Value, bool Fires)> Compared(Dictionary<string, double> series)
        {
            var match = ComparisonPattern().Match(Expression);
            Assert.True(match.Success, $"{Alert}: the expression '{Expression}' has a shape this test cannot judge");
            double threshold = double.Parse(match.Groups["threshold"].Value, CultureInfo.InvariantCulture);
            string op = match.Groups["op"].Value;
            return [.. series.Named(match.Groups["metric"].Value).Select(key => (key, series[key], op switch
            {
                ">" => series[key] > threshold,
                "<" => series[key] < threshold,
                ">=" => series[key] >= threshold,
                "<=" => series[key] <= threshold,
                "==" => series[key] == threshold,
                _ => series[key] != threshold,
            }))];
        }

        [GeneratedRegex(@"^absent\((?<metric>[a-z_]+)\)$")]
        private static partial Regex AbsentPattern();

        [GeneratedRegex(@"^(?<metric>[a-z_]+)\s*(?<op>==|!=|>=|<=|>|<)\s*(?<threshold>-?[0-9.]+)$")]
        private static partial Regex ComparisonPattern();
    }
}
