using CaaS.Grains.Abstractions;
using CaaS.Grains.Abstractions.Operations;
using CaaS.Grains.Abstractions.Rentals;
using GraphQL;
using GraphQL.Types;

namespace CaaS.ApiHost.Admin;

/// <summary>Rentals and the vehicles they use: what is under way (ADM-1), and the decisions ops take on a rental (ADM-2, ADM-3).</summary>
internal static class RentalsGraph
{
    public static void AddRentalQueries(this ObjectGraphType query)
    {
        query.Field<NonNullGraphType<PageType<ActiveRentalType, FlowMoved>>>("activeRentals")
            .Description("ADM-1: rentals under way (unlocked, or returned and not yet settled), oldest start first.")
            .Paged()
            .ResolveAsync(async context => context.Page(await context.Grains().GetGrain<IOpsDeskGrain>(0).ActiveRentalsAsync(),
                flow => flow.StartsAt ?? flow.MovedAt, flow => flow.FlowId));
        query.Field<RentalType>("rental").Argument<NonNullGraphType<StringGraphType>>("id")
            .ResolveAsync(async context => await context.Grains().GetGrain<IReservationGrain>(context.GetArgument<string>("id")).InspectAsync());
        query.Field<VehicleType>("vehicle").Argument<NonNullGraphType<StringGraphType>>("vin")
            .ResolveAsync(async context => await context.Grains().GetGrain<IVehicleGrain>(Vin.Normalize(context.GetArgument<string>("vin"))).GetAsync());
    }

    public static void AddRentalMutations(this ObjectGraphType mutation)
    {
        mutation.Field<NonNullGraphType<RentalType>>("overrideReturnVerification")
            .Description("ADM-2: approve (capture as for a verified return) or refuse (the rental is Active again) a return waiting for verification.")
            .Argument<NonNullGraphType<StringGraphType>>("rentalId")
            .Argument<NonNullGraphType<BooleanGraphType>>("approved")
            .Argument<NonNullGraphType<StringGraphType>>("reason")
            .ResolveAsync(async context => await context.Grains().GetGrain<IReservationGrain>(context.GetArgument<string>("rentalId"))
                .OverrideReturnVerificationAsync(context.GetArgument<bool>("approved"), context.Cause()));
        mutation.Field<NonNullGraphType<RentalType>>("adjustFine")
            .Description("ADM-3: adds a fine (positive amount) or takes part of the fines back (negative), in minor units; after the final capture a reduction is refunded.")
            .Argument<NonNullGraphType<StringGraphType>>("rentalId")
            .Argument<NonNullGraphType<LongGraphType>>("amount")
            .Argument<NonNullGraphType<StringGraphType>>("reason")
            .Argument<StringGraphType>("currency", argument => argument.DefaultValue = "EUR")
            .ResolveAsync(async context =>
            {
                var amount = context.GetArgument<long>("amount");
                var currency = context.GetArgument<string>("currency");
                if (amount == 0 || Math.Abs(amount) > AdminMutation.MaxFineAdjustment || currency.Length != 3 || !currency.All(char.IsAsciiLetterUpper))
                {
                    throw AdminErrors.Invalid($"amount is a non-zero number of minor units up to {AdminMutation.MaxFineAdjustment} either way; currency is an ISO 4217 code.");
                }

                return await context.Grains().GetGrain<IReservationGrain>(context.GetArgument<string>("rentalId"))
                    .AdjustFineAsync(new Money(amount, currency), context.Cause());
            });
    }
}

public sealed class FineType : ObjectGraphType<Fine>
{
    public FineType()
    {
        Name = "Fine";
        Field(fine => fine.Reason);
        Field<NonNullGraphType<MoneyType>>("amount").Resolve(context => context.Source.Amount);
    }
}

public sealed class RentalType : ObjectGraphType<ReservationView>
{
    public RentalType()
    {
        Name = "Rental";
        Description = "A reservation and the rental it becomes (the rental id is the reservation id).";
        Field(rental => rental.Id);
        Field(rental => rental.CustomerId);
        Field(rental => rental.VehicleId);
        Field(rental => rental.Vin);
        Field(rental => rental.StartsAt);
        Field(rental => rental.EndsAt);
        Field(rental => rental.CreatedAt);
        Field<NonNullGraphType<StringGraphType>>("status").Resolve(context => context.Source.Status.ToString());
        Field<MoneyType>("authorizedAmount").Resolve(context => context.Source.AuthorizedAmount);
        Field<MoneyType>("capturedAmount").Resolve(context => context.Source.CapturedAmount);
        Field<MoneyType>("refundedAmount").Resolve(context => context.Source.RefundedAmount);
        Field(rental => rental.PaymentIntentId, nullable: true).Description("The Stripe PaymentIntent holding this rental's money; kept through an erasure (SEC-7).");
        Field<ReturnProofType>("returnProof").Description("What the renter gave at return; photos and position are gone after an erasure (SEC-7).")
            .Resolve(context => context.Source.ReturnProof);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<FineType>>>>("fines").Resolve(context => context.Source.Fines);
        Field(rental => rental.VerificationIssues);
        Field(rental => rental.ErrorCode, nullable: true);
        Field(rental => rental.ErrorMessage, nullable: true);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<TransitionType>>>>("history").Resolve(context => context.Source.History);
        ObligationType.AddTo<ReservationView, IReservationGrain>(this, rental => rental.Id);
    }
}

public sealed class ActiveRentalType : ObjectGraphType<FlowMoved>
{
    public ActiveRentalType()
    {
        Name = "ActiveRental";
        Description = "A rental under way, as the flow index holds it (ADM-1); rental(id) has the whole of it.";
        Field<NonNullGraphType<StringGraphType>>("id").Resolve(context => context.Source.FlowId);
        Field<NonNullGraphType<StringGraphType>>("status").Resolve(context => context.Source.State);
        Field(flow => flow.CustomerId, nullable: true);
        Field(flow => flow.VehicleId, nullable: true);
        Field(flow => flow.Vin, nullable: true);
        Field(flow => flow.StartsAt, nullable: true);
        Field(flow => flow.EndsAt, nullable: true);
        Field<NonNullGraphType<DateTimeOffsetGraphType>>("since").Resolve(context => context.Source.MovedAt);
    }
}

public sealed class VehicleTelemetryType : ObjectGraphType<Grains.Abstractions.Integration.VehicleTelemetry>
{
    public VehicleTelemetryType()
    {
        Name = "VehicleTelemetry";
        Field(telemetry => telemetry.OdometerKm);
        Field(telemetry => telemetry.EnergyPercent);
        Field(telemetry => telemetry.Latitude);
        Field(telemetry => telemetry.Longitude);
        Field(telemetry => telemetry.Locked);
    }
}

public sealed class VehicleType : ObjectGraphType<VehicleSnapshot>
{
    public VehicleType()
    {
        Name = "Vehicle";
        Field(vehicle => vehicle.Vin);
        Field(vehicle => vehicle.Model, nullable: true);
        Field(vehicle => vehicle.Category, nullable: true);
        Field<NonNullGraphType<StringGraphType>>("status").Resolve(context => context.Source.Status.ToString());
        Field(vehicle => vehicle.StatusReportedAt, nullable: true);
        Field(vehicle => vehicle.OwnerId, nullable: true);
        Field<VehicleTelemetryType>("telemetry").Resolve(context => context.Source.Telemetry);
        Field(vehicle => vehicle.LastContact, nullable: true);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<TransitionType>>>>("history").Resolve(context => context.Source.History);
    }
}

public sealed class ReturnProofType : ObjectGraphType<ReturnProof>
{
    public ReturnProofType()
    {
        Name = "ReturnProof";
        Field(proof => proof.OdometerKm, nullable: true);
        Field(proof => proof.EnergyPercent, nullable: true);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<StringGraphType>>>>("photoUrls").Resolve(context => context.Source.PhotoUrls);
        Field(proof => proof.Latitude, nullable: true);
        Field(proof => proof.Longitude, nullable: true);
    }
}
