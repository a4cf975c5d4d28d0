using System.Reflection;
using Stripe;

namespace CaaS.Grains.Integration.Payments;

/// <summary>
/// Stripe.net encodes the options of every request by reflection (each property of each options
/// object read through its PropertyInfo). The runtime holds a type's reflection data weakly, so under
/// load it was collected and built again over and over, and each rebuilt property getter got a newly
/// emitted invoke stub compiled by the JIT: about 13% of the silo's CPU while booking, the JIT
/// never settling (issue 18 point 1, profiled). Holding the properties of every options type the
/// adapter sends, and of the nested options they reach, keeps that data and its stubs alive for the
/// process: a few hundred types, not the thousands Stripe.net defines.
/// </summary>
internal static class StripeOptionTypes
{
    private static readonly Type[] Sent =
    [
        typeof(PaymentIntentCreateOptions), typeof(PaymentIntentGetOptions), typeof(PaymentIntentCaptureOptions),
        typeof(PaymentIntentCancelOptions), typeof(PaymentIntentIncrementAuthorizationOptions), typeof(PaymentIntentListOptions),
        typeof(PaymentIntentSearchOptions), typeof(RefundCreateOptions), typeof(RefundListOptions), typeof(SetupIntentCreateOptions),
        typeof(CustomerCreateOptions), typeof(CustomerSearchOptions), typeof(EventListOptions), typeof(RequestOptions),
    ];

    private static readonly PropertyInfo[][] Held = Reach(Sent);

    /// <summary>Runs the walk once, before the first request it speeds up.</summary>
    public static void EnsureHeld() => GC.KeepAlive(Held);

    internal static PropertyInfo[][] Reach(IEnumerable<Type> roots)
    {
        var seen = new HashSet<Type>();
        var pending = new Stack<Type>(roots);
        var held = new List<PropertyInfo[]>();
        while (pending.TryPop(out var type))
        {
            if (!seen.Add(type))
            {
                continue;
            }

            var properties = type.GetRuntimeProperties().ToArray();
            held.Add(properties);
            foreach (var property in properties)
            {
                foreach (var reached in StripeTypesIn(property.PropertyType))
                {
                    pending.Push(reached);
                }
            }
        }

        return [.. held];
    }

    /// <summary>The Stripe.net types a property's type names, itself or as a list's, dictionary's or AnyOf's argument.</summary>
    private static IEnumerable<Type> StripeTypesIn(Type type)
    {
        if (type.Assembly == typeof(BaseOptions).Assembly && !type.IsEnum)
        {
            yield return type;
        }

        if (type.IsGenericType)
        {
            foreach (var argument in type.GetGenericArguments())
            {
                foreach (var reached in StripeTypesIn(argument))
                {
                    yield return reached;
                }
            }
        }
    }
}
