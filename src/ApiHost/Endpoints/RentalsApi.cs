using System.Security.Claims;
using CaaS.Grains.Abstractions;
using CaaS.Grains.Abstractions.Rentals;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace CaaS.ApiHost.Endpoints;

/// <summary>MOB-1..6: the mobile app's reservation and rental calls. A customer only ever sees their own (SEC-1).</summary>
public static class RentalsApi
{
    public sealed record ReservationRequest(string? VehicleId, DateTimeOffset? StartsAt, DateTimeOffset? EndsAt, string? PaymentMethodId);

    public sealed record ReturnRequest(double? OdometerKm, int? EnergyPercent, List<string>? PhotoUrls, double? Latitude, double? Longitude);

    public sealed record AvailableVehicle(string VehicleId, string Vin, string Model, string Category);

    /// <summary>CommandId is API IoT's, null when the unlock was already done (an unlock repeated).</summary>
    public sealed record UnlockResponse(string? CommandId, string Status);

    /// <summary>
    /// PAY-10: what the app hands Stripe's SDK (handleNextAction / confirmCardPayment or confirmCardSetup)
    /// for the customer to authenticate, then POST /api/reservations/{id}/confirm-payment; unresolved by
    /// <see cref="GiveUpAt"/> the booking is cancelled without fee.
    /// </summary>
    public sealed record PaymentAuthenticationResponse(string IntentType, string IntentId, string ClientSecret, DateTimeOffset GiveUpAt);

    public sealed record ReservationResponse(string Id, string CustomerId, string VehicleId, string Vin, DateTimeOffset StartsAt, DateTimeOffset EndsAt,
        string Status, Money? AuthorizedAmount, Money? CapturedAmount, IReadOnlyList<Fine> Fines, IReadOnlyList<string> VerificationIssues,
        DateTimeOffset CreatedAt, IReadOnlyList<TransitionRecord> History, PaymentAuthenticationResponse? PaymentAuthentication = null,
        DateTimeOffset? AuthorizationDueAt = null, DateTimeOffset? HoldCaptureBefore = null)
    {
        public static ReservationResponse From(ReservationView view) => new(view.Id, view.CustomerId, view.VehicleId, view.Vin, view.StartsAt, view.EndsAt,
            view.Status.ToString(), view.AuthorizedAmount, view.CapturedAmount, view.Fines, view.VerificationIssues, view.CreatedAt, view.History,
            view.Authentication is { } asked ? new PaymentAuthenticationResponse(asked.IntentType, asked.IntentId, asked.ClientSecret, asked.GiveUpAt) : null,
            view.AuthorizationDueAt, view.HoldCaptureBefore);
    }

    public static IEndpointRouteBuilder MapRentalsApi(this IEndpointRouteBuilder endpoints)
    {
        var customer = endpoints.MapGroup("/api").RequireAuthorization(Roles.Customer).RequireValidIds().RequireCustomerRateLimits().WithTags("Rentals");
        customer.MapGet("/vehicles/available", AvailableAsync)
            .WithName("ListAvailableVehicles").WithSummary("Fleet vehicles free for the whole window (MOB-1)");
        customer.MapPost("/reservations", CreateAsync)
            .WithName("CreateReservation").WithSummary("Reserve a vehicle and authorise its price and fine reserve (MOB-2, PAY-1)");
        customer.MapGet("/reservations/{id}", async Task<Results<Ok<ReservationResponse>, ProblemHttpResult>> (string id, ClaimsPrincipal user, IGrainFactory grains) =>
            await grains.GetGrain<IReservationGrain>(id).GetAsync(CustomerId(user)) is { } view
                ? TypedResults.Ok(ReservationResponse.From(view))
                : Problems.NotFound($"Reservation {id}"))
            .WithName("GetReservation").WithSummary("One of the caller's reservations, with its history");
        customer.MapPost("/reservations/{id}/cancel", async (string id, ClaimsPrincipal user, IGrainFactory grains) =>
            TypedResults.Ok(ReservationResponse.From(await grains.GetGrain<IReservationGrain>(id).CancelAsync(CustomerId(user)))))
            .WithName("CancelReservation").WithSummary("Cancel a reservation: early releases the hold, late keeps the fee (MOB-5, PAY-3)");
        customer.MapPost("/reservations/{id}/confirm-payment", async (string id, ClaimsPrincipal user, IGrainFactory grains) =>
            TypedResults.Ok(ReservationResponse.From(await grains.GetGrain<IReservationGrain>(id).ConfirmPaymentAsync(CustomerId(user)))))
            .WithName("ConfirmReservationPayment").WithSummary("After the customer authenticated the card (3-D Secure), the booking's hold is confirmed (PAY-10)");
        customer.MapPost("/rentals/{id}/unlock", async (string id, ClaimsPrincipal user, IGrainFactory grains) =>
        {
            var unlock = await grains.GetGrain<IReservationGrain>(id).UnlockAsync(CustomerId(user));
            return TypedResults.Accepted((string?)null, new UnlockResponse(unlock.CommandId, unlock.Status));
        })
            .WithName("UnlockRental").WithSummary("Unlock the vehicle within the rental's window (MOB-3)");
        customer.MapPost("/rentals/{id}/return", ReturnAsync)
            .WithName("ReturnRental").WithSummary("Return the vehicle with its proof; verified, then captured (MOB-4, PAY-2)");
        return endpoints;
    }

    private static async Task<Results<Ok<AvailableVehicle[]>, ProblemHttpResult>> AvailableAsync(DateTimeOffset? from, DateTimeOffset? to, IGrainFactory grains, TimeProvider time)
    {
        var errors = Window(from, to, time.GetUtcNow(), forBooking: false);
        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }

        var fleet = await grains.GetGrain<IFleetCatalogGrain>(0).ListAsync();
        var free = await Task.WhenAll(fleet.Select(async vehicle =>
            (vehicle, free: await grains.GetGrain<IVehicleGrain>(vehicle.Vin).IsFreeAsync(from!.Value, to!.Value, vehicle.Status))));
        return TypedResults.Ok(free.Where(pair => pair.free)
            .Select(pair => new AvailableVehicle(pair.vehicle.VehicleId, pair.vehicle.Vin, pair.vehicle.Model, pair.vehicle.Category)).ToArray());
    }

    private static async Task<Results<Created<ReservationResponse>, ProblemHttpResult>> CreateAsync(ReservationRequest? body, ClaimsPrincipal user, IGrainFactory grains, TimeProvider time,
        [FromHeader(Name = IdempotentIds.Header)] string? idempotencyKey)
    {
        var errors = Window(body?.StartsAt, body?.EndsAt, time.GetUtcNow(), forBooking: true);
        if (string.IsNullOrWhiteSpace(body?.VehicleId) || body.VehicleId.Length > 100)
        {
            errors["vehicleId"] = ["vehicleId is required (at most 100 characters)."];
        }

        if (string.IsNullOrWhiteSpace(body?.PaymentMethodId) || body.PaymentMethodId.Length > 100)
        {
            errors["paymentMethodId"] = ["paymentMethodId is required (at most 100 characters)."];
        }

        IdempotentIds.Validate(idempotencyKey, errors);

        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }

        var customerId = CustomerId(user);
        var id = IdempotentIds.For("res-", customerId, idempotencyKey);
        var view = await grains.GetGrain<IReservationGrain>(id).CreateAsync(
            new CreateReservation(customerId, body!.VehicleId!, body.StartsAt!.Value, body.EndsAt!.Value, body.PaymentMethodId!));
        return TypedResults.Created($"/api/reservations/{id}", ReservationResponse.From(view));
    }

    private static async Task<Results<Accepted<ReservationResponse>, ProblemHttpResult>> ReturnAsync(string id, ReturnRequest? body, ClaimsPrincipal user, IGrainFactory grains)
    {
        var errors = new Dictionary<string, string[]>();
        if (body is null)
        {
            errors["body"] = ["A return needs odometerKm, energyPercent, photoUrls, latitude and longitude."];
        }
        else
        {
            if (body.PhotoUrls is { Count: > 20 } || body.PhotoUrls?.Any(url => !Uri.TryCreate(url, UriKind.Absolute, out _) || url.Length > 2_000) == true)
            {
                errors["photoUrls"] = ["At most 20 absolute URLs."];
            }

            if (body.Latitude is < -90 or > 90 || body.Longitude is < -180 or > 180)
            {
                errors["location"] = ["latitude is within ±90 and longitude within ±180."];
            }
        }

        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }

        var view = await grains.GetGrain<IReservationGrain>(id).ReturnAsync(CustomerId(user),
            new ReturnProof(body!.OdometerKm, body.EnergyPercent, body.PhotoUrls ?? [], body.Latitude, body.Longitude));
        return TypedResults.Accepted((string?)null, ReservationResponse.From(view));
    }

    private static Dictionary<string, string[]> Window(DateTimeOffset? from, DateTimeOffset? to, DateTimeOffset now, bool forBooking)
    {
        var errors = new Dictionary<string, string[]>();
        if (from is null || to is null)
        {
            errors["window"] = ["Both ends of the time window are required (ISO 8601)."];
            return errors;
        }

        if (from >= to)
        {
            errors["window"] = ["The window must end after it starts."];
        }

        if (to - from > TimeSpan.FromDays(366))
        {
            errors["window"] = ["The window is at most a year."];
        }

        // How long and how far ahead a rental may be are the business's rules, checked by the reservation grain.
        if (forBooking && from < now - TimeSpan.FromMinutes(5))
        {
            errors["startsAt"] = ["A reservation cannot start in the past."];
        }

        return errors;
    }

    public static string CustomerId(ClaimsPrincipal user) =>
        user.FindFirstValue(ClaimTypes.NameIdentifier) ?? user.FindFirstValue("sub") ?? throw new DomainException(ErrorCodes.Unauthenticated, "The token names no subject.");
}
