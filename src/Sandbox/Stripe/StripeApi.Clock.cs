using CaaS.Sandbox.Control;

namespace CaaS.Sandbox.Stripe;

/// <summary>
/// The money clock: <c>POST /sandbox/clock {"advanceBy": "8.00:00:00"}</c> moves the time Stripe's holds
/// are judged by (and cancels every hold it carries past its <c>capture_before</c>), <c>GET</c> reads
/// it, <c>DELETE</c> puts it back on the real clock. Webhook signatures keep real time.
/// </summary>
public static partial class StripeApi
{
    public sealed record ClockAdvance(string? AdvanceBy);

    private static void MapClock(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/sandbox/clock", (StripeLedger ledger) => Results.Ok(ClockView(ledger.Money)));
        endpoints.MapPost("/sandbox/clock", (ClockAdvance body, StripeLedger ledger, StripeEvents events) =>
        {
            if (!TimeSpan.TryParse(body.AdvanceBy, System.Globalization.CultureInfo.InvariantCulture, out var by) || by < TimeSpan.Zero)
            {
                return Problem.Invalid("advanceBy is a positive TimeSpan, for example \"8.00:00:00\".");
            }

            ledger.Money.Advance(by);
            Sweep(ledger, events);
            return Results.Ok(ClockView(ledger.Money));
        });
        endpoints.MapDelete("/sandbox/clock", (StripeLedger ledger) =>
        {
            ledger.Money.Reset();
            return Results.Ok(ClockView(ledger.Money));
        });
    }

    private static object ClockView(MoneyClock clock) => new { now = clock.Now, offset = clock.Offset.ToString("c", System.Globalization.CultureInfo.InvariantCulture) };

}
