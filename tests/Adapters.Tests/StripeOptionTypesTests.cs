using System.Reflection;
using System.Runtime.CompilerServices;
using CaaS.Grains.Integration.Payments;
using Stripe;

namespace CaaS.Adapters.Tests;

/// <summary>
/// Issue 18 point 1: Stripe.net reads every options object by reflection, and the runtime holds a
/// type's reflection data weakly; rebuilt after each collection, every property getter got a new
/// JIT-compiled invoke stub. The adapter holds the data of what it sends.
/// </summary>
public sealed class StripeOptionTypesTests
{
    [Fact]
    public void Issue_18_the_reflection_data_of_what_an_authorisation_sends_outlives_a_collection_where_a_type_nobody_holds_loses_it()
    {
        StripeOptionTypes.EnsureHeld();
        // The nested card options an authorisation with an extended or incremental hold sends.
        var held = FirstProperty(typeof(PaymentIntentPaymentMethodOptionsCardOptions));
        // Never sent by the platform: what every sent type went through before.
        var unheld = FirstProperty(typeof(PlanCreateOptions));

        for (var pass = 0; pass < 3; pass++)
        {
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true);
            GC.WaitForPendingFinalizers();
        }

        Assert.True(held.IsAlive, "the held options type was rebuilt after a collection");
        Assert.False(unheld.IsAlive, "the runtime now keeps reflection data itself; StripeOptionTypes can go");
    }

    [Fact]
    public void Issue_18_the_walk_reaches_the_nested_options_an_authorisation_sends_and_no_enums()
    {
        var reached = StripeOptionTypes.Reach([typeof(PaymentIntentCreateOptions)])
            .Where(properties => properties.Length > 0).Select(properties => properties[0].ReflectedType!).ToHashSet();

        Assert.Contains(typeof(PaymentIntentPaymentMethodOptionsOptions), reached);
        Assert.Contains(typeof(PaymentIntentPaymentMethodOptionsCardOptions), reached);
        Assert.DoesNotContain(reached, type => type.IsEnum);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference FirstProperty(Type type) => new(type.GetRuntimeProperties().First());
}
