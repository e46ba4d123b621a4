using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace BmsPace.Web;

/// <summary><c>/healthz</c> (liveness: every poller runs) and <c>/readyz</c> (readiness: a battery has fresh data), for GET and HEAD.</summary>
internal sealed class HealthEndpoints(ExporterHealth health) : IWebEndpoints
{
    public void Map(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapMethods("/healthz", WebResponses.GetAndHead, context =>
        {
            bool healthy = health.IsHealthy(out byte[] body);
            context.Response.StatusCode = healthy ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable;
            return WebResponses.WriteAsync(context, WebResponses.Json, body);
        });
        endpoints.MapMethods("/readyz", WebResponses.GetAndHead, context =>
        {
            bool ready = health.IsReady(out byte[] body);
            context.Response.StatusCode = ready ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable;
            return WebResponses.WriteAsync(context, WebResponses.Json, body);
        });
    }
}
