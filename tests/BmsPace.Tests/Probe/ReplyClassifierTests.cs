using System.Text;
using System.Text.Json;
using BmsPace.Configuration;
using BmsPace.Probe;
using BmsPace.Transport;
using BmsPace.Protocol.Dialects;
using BmsPace.Tests.Shipping;

namespace BmsPace.Tests.Probe;

/// <summary>
/// The reading of one reply against the captured frames of every dialect (tests/BmsPace.Protocol.Tests/Fixtures/vectors.json),
/// and the verdicts that only a real multi-speed serial line could otherwise produce.
/// </summary>
public sealed class ReplyClassifierTests
{
    private static readonly Lazy<JsonDocument> Vectors = new(() =>
        JsonDocument.Parse(File.ReadAllText(RepositoryFiles.PathOf("tests", "BmsPace.Protocol.Tests", "Fixtures", "vectors.json"))));

    [Theory]
    [InlineData("jakiper-nkinnan-42", "pace", 1)]
    [InlineData("gobel-8pack-logfile-42", "pace", 8)]
    [InlineData("gobel-15s-3pack-issue74-42", "pace", 3)]
    [InlineData("eg4-nkinnan-42-v20", "eg4", 1)]
    [InlineData("eg4-doc-42-v20", "eg4", 1)]
    [InlineData("seplos-readme-42-v20", "seplos", 1)]
    [InlineData("pylon-doc-rs232-v28-42", "pylontech", 1)]
    [InlineData("pylon-emulator-42-p4", "pylontech", 1)]
    [InlineData("itel-issue58-42-v20", "pylontech", 1)]
    public void A_captured_analog_answer_is_explained_by_its_own_dialect_only(string id, string dialect, int packs)
    {
        string frame = Field(id, "frame");
        const string request = "~25014642E002FFFD05\r";

        byte address = Convert.ToByte(frame[3..5], 16);
        var explaining = BmsDialects.All.Where(d => ReplyClassifier.Classify(Listen(frame), AsciiDialectCalls.Bytes(request), [d], address).Outcome == ProbeOutcome.Answer).ToList();

        var only = Assert.Single(explaining);
        Assert.Equal(dialect, only.Name);
        var classification = ReplyClassifier.Classify(Listen(frame), AsciiDialectCalls.Bytes(request), BmsDialects.All, address);
        Assert.Equal(packs, classification.PackCount);
    }

    [Fact]
    public void A_frame_with_a_wrong_checksum_is_a_bad_frame_even_from_a_document()
    {
        var classification = ReplyClassifier.Classify(Listen(Field("pylon-doc-rs485-v33-42-p4", "frame")), AsciiDialectCalls.Bytes(Field("pylon-doc-rs485-v33-42-p4", "request")), BmsDialects.All, 0x01);

        Assert.Equal(ProbeOutcome.BadFrame, classification.Outcome);
        Assert.StartsWith("checksum: CHKSUM is E1A2, computed E27A", classification.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void An_rtn_frame_is_rtn_with_its_meaning()
    {
        var classification = ReplyClassifier.Classify(Listen(Field("rtn04-emulator", "frame")), AsciiDialectCalls.Bytes("~25004642E002FFFD06\r"), BmsDialects.All, 0x01);

        Assert.Equal(ProbeOutcome.Rtn, classification.Outcome);
        Assert.Equal("RTN 04: CID2 invalid (VER 25 ADR 00 CID1 46)", classification.Detail);
    }

    [Fact]
    public void The_captured_echo_of_a_request_is_an_echo()
    {
        string request = Field("bad-echo-issue16", "request");

        var classification = ReplyClassifier.Classify(Listen(Field("bad-echo-issue16", "frame")), AsciiDialectCalls.Bytes(request), BmsDialects.All, 0x01);

        Assert.Equal(ProbeOutcome.Echo, classification.Outcome);
        Assert.Equal("the request itself came back", classification.Detail);
    }

    [Fact]
    public void An_echo_followed_by_the_answer_is_an_answer()
    {
        string request = Field("jakiper-nkinnan-42", "request");

        var classification = ReplyClassifier.Classify(Listen(request + Field("jakiper-nkinnan-42", "frame")), AsciiDialectCalls.Bytes(request), BmsDialects.All, 0x01);

        Assert.Equal(ProbeOutcome.Answer, classification.Outcome);
        Assert.Equal("pace", classification.Dialect!.Name);
    }

    [Fact]
    public void The_truncated_tcp_capture_is_a_bad_frame()
    {
        string frame = Field("bad-truncated-tcp-issue17", "frame");

        var classification = ReplyClassifier.Classify(Listen(frame), AsciiDialectCalls.Bytes("~25014642E002FFFD05\r"), BmsDialects.All, 0x01);

        Assert.Equal(ProbeOutcome.BadFrame, classification.Outcome);
    }

    [Fact]
    public void Bad_frames_at_one_speed_and_answers_at_another_name_the_speed_to_use()
    {
        var target = ProbeTarget.For(new SerialConnectionSpec("/dev/ttyUSB0"), "/dev/serial/by-id/usb-FTDI_FT232R-if00-port0");
        var pace = KnownDialects.Pace;
        ProbeAttempt[] attempts =
        [
            new(target.Name, 9600, "pace", 1, ProbeOutcome.BadFrame, "checksum: CHKSUM is 1234, computed 4321", "~25014642E002FFFD05\r"),
            new(target.Name, 9600, "eg4", 1, ProbeOutcome.Silence, "nothing within 1000 ms", "~20014A420000FDA2\r"),
            new(target.Name, 19200, "pace", 1, ProbeOutcome.Answer, "VER 25 ADR 01 CID1 46, 2 packs, in 80 ms", "~25014642E002FFFD05\r"),
        ];
        var finding = new ProbeFinding(target, 19200, pace, 0x25, 1, 2, null, AnswersEveryAddress: true, "P16S100A-1B470-3.01");

        var verdict = ProbeVerdict.Explain(new ConnectionProbe(target, attempts, finding, TimeLimitReached: false));

        Assert.Contains("bad frames at 9600, answers at 19200: set baud=19200", verdict);
        Assert.Equal(
            "batteries:\n  - name: main\n    connection: serial:///dev/serial/by-id/usb-FTDI_FT232R-if00-port0?baud=19200\n    address: 1\n    protocol: pace\n    packs: all\n",
            ProbeVerdict.Config(finding, "main"));
    }

    [Fact]
    public void The_serial_devices_found_exist_and_include_every_usb_and_acm_adapter()
    {
        var devices = SerialDevices.Find();

        Assert.All(devices, d => Assert.True(File.Exists(d.Path), d.Path));
        foreach (string adapter in Directory.GetFiles("/dev", "ttyUSB*").Concat(Directory.GetFiles("/dev", "ttyACM*")))
        {
            Assert.Contains(devices, d => d.Path == adapter);
        }

        Assert.Equal(devices.Count, devices.Select(d => d.Path).Distinct().Count());
    }

    private static TransportListen Listen(string bytes) => new(Encoding.ASCII.GetBytes(bytes), TimeSpan.FromMilliseconds(42), null);

    private static string Field(string id, string field) =>
        Vectors.Value.RootElement.GetProperty("vectors").EnumerateArray().Single(v => v.GetProperty("id").GetString() == id).GetProperty(field).GetString()!;
}
