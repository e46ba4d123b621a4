using System.Globalization;
using System.Net;

namespace BmsPace.Web;

/// <summary>HOST:PORT of <c>prometheus.listen</c> / <c>--listen</c>; HOST may be an IPv4 or [IPv6] address, <c>localhost</c> or <c>*</c>.</summary>
public static class ListenAddress
{
    public static bool TryParse(string text, out IPEndPoint? endpoint)
    {
        endpoint = null;
        int colon = text.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port is < 1 or > 65535)
        {
            return false;
        }

        string host = text[..colon].Trim('[', ']');
        IPAddress? address = host switch
        {
            "*" or "0.0.0.0" => IPAddress.Any,
            "::" => IPAddress.IPv6Any,
            "localhost" => IPAddress.Loopback,
            _ => IPAddress.TryParse(host, out var parsed) ? parsed : null,
        };
        if (address is null)
        {
            return false;
        }

        endpoint = new IPEndPoint(address, port);
        return true;
    }

    public static IPEndPoint Parse(string text) =>
        TryParse(text, out var endpoint) ? endpoint! : throw new FormatException($"'{text}' is not HOST:PORT");
}
