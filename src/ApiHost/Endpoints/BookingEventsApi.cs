using System.Globalization;
using CaaS.Grains.Abstractions;
using CaaS.Grains.Abstractions.Events;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace CaaS.ApiHost.Endpoints;

/// <summary>
/// ANA-2 for consumers that cannot reach the log themselves: the booking events as Server-Sent
/// Events. <c>id:</c> is the event's position in the log, so a client that reconnects with
/// <c>Last-Event-ID</c> goes on right after it, with no gap and no repeat; without it the stream
/// starts from now. A comment line every <see cref="Heartbeat"/> keeps proxies from closing it.
/// </summary>
public static class BookingEventsApi
{
    public const string HeartbeatSetting = "Analytics:EventStreamHeartbeat";
    public static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(15);

    /// <summary>Below the Orleans response timeout: each read is one grain call that waits for news.</summary>
    private static readonly TimeSpan LongestWait = TimeSpan.FromSeconds(5);
    private const int PageSize = 200;

    public static IEndpointRouteBuilder MapBookingEventsApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/api/bookings/events", StreamAsync).RequireAuthorization(Roles.Analytics)
            .Produces<string>(StatusCodes.Status200OK, "text/event-stream")
            .WithTags("Analytics").WithName("StreamBookingEvents").WithSummary("Booking events as Server-Sent Events, resumable with Last-Event-ID (ANA-2)");
        return endpoints;
    }

    /// <param name="lastEventId">For clients that cannot set the header (a browser's first EventSource); the header wins.</param>
    private static async Task<Results<EmptyHttpResult, ProblemHttpResult>> StreamAsync(HttpContext context, [FromHeader(Name = "Last-Event-ID")] string? resumeAfter,
        string? lastEventId, IGrainFactory grains, IConfiguration configuration, TimeProvider time)
    {
        var resumeFrom = resumeAfter ?? lastEventId;
        long after = 0;
        if (resumeFrom is not null && (!long.TryParse(resumeFrom, NumberStyles.None, CultureInfo.InvariantCulture, out after)))
        {
            return Problems.For(ErrorCodes.ValidationFailed, "Last-Event-ID must be the id of an event this stream sent (a position in the log).");
        }

        var log = grains.GetGrain<IEventLogGrain>(0);
        if (resumeFrom is null)
        {
            after = await log.HeadAsync();
        }

        var heartbeat = configuration.GetValue(HeartbeatSetting, Heartbeat);
        var aborted = context.RequestAborted;
        var response = context.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        await response.WriteAsync($": booking events after {after}\n\n", aborted);
        await response.Body.FlushAsync(aborted);
        var nextHeartbeat = time.GetUtcNow() + heartbeat;
        try
        {
            while (!aborted.IsCancellationRequested)
            {
                var untilHeartbeat = nextHeartbeat - time.GetUtcNow();
                var wait = untilHeartbeat < LongestWait ? untilHeartbeat : LongestWait;
                var page = await log.ReadAsync(EventSubjects.Bookings, after, PageSize, wait > TimeSpan.Zero ? wait : TimeSpan.Zero);
                foreach (var logged in page.Events)
                {
                    await response.WriteAsync(
                        $"id: {logged.Position.ToString(CultureInfo.InvariantCulture)}\nevent: {logged.Event.Type}\ndata: {CloudEventJson.FormatText(logged.Event)}\n\n", aborted);
                    after = logged.Position;
                }

                if (time.GetUtcNow() >= nextHeartbeat)
                {
                    await response.WriteAsync(": heartbeat\n\n", aborted);
                    nextHeartbeat = time.GetUtcNow() + heartbeat;
                }

                await response.Body.FlushAsync(aborted);
            }
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            // The client went away: that is how an event stream ends.
        }

        return TypedResults.Empty;
    }
}
