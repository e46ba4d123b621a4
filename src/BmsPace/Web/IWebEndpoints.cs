using Microsoft.AspNetCore.Routing;

namespace BmsPace.Web;

/// <summary>
/// A part that serves paths on the web host (the status page, <c>/metrics</c>): registered as a service, mapped by
/// <see cref="WebHost.MapWebEndpoints"/>, so every route gets the web configuration's TLS and basic auth alike.
/// </summary>
public interface IWebEndpoints
{
    void Map(IEndpointRouteBuilder endpoints);
}
