"""What the demo's simulated customers and agents say, in English and Spanish: the wording only,
written for cxops (none of it is taken from the intent training data or the tests), so the
simulation in `history` stays about who does what and when.

Placeholders in braces are filled by the simulation with the contact's own data.
"""

import re
from collections.abc import Mapping

OPENERS: Mapping[str, Mapping[str, tuple[str, ...]]] = {
    "order_status": {
        "en": (
            "Hi, can you tell me what's happening with order {order}?",
            "any update on {order}? placed it last week",
            "I bought a {item} a few days ago and haven't heard a thing since. Is it on its way?",
            "Could you check whether {order} has shipped yet? My email is {email}",
            "when is my {item} going to get here",
            "Checking in on the status of my order, number {order}.",
            "Has my package left your warehouse? order {order}, {email}",
            "What's the delivery date for the {item} I ordered?",
        ),
        "es": (
            "Hola, ¿me pueden decir cómo va el pedido {order}?",
            "¿Ya salió mi pedido {order}? Mi correo es {email}",
            "Quería saber cuándo me llega el {item} que compré",
            "buenas, ¿en qué estado está mi pedido?",
            "¿Me confirman si el pedido {order} ya fue enviado?",
        ),
    },
    "missing_delivery": {
        "en": (
            "My parcel for order {order} should have been here by now and there's no sign of it",
            "Tracking says delivered but there is no {item} at my door.",
            "The {item} I ordered never turned up. Order {order}, {email}",
            "Still no delivery. It was due two days ago.",
            "package never came?? order {order}",
            "I think my order got lost somewhere, the tracking hasn't updated in ages",
        ),
        "es": (
            "Mi paquete del pedido {order} no ha llegado y ya debería estar aquí",
            "Pone que está entregado pero en casa no hay nada",
            "El {item} nunca llegó, pedido {order}, correo {email}",
            "Creo que se perdió mi paquete, el seguimiento no se mueve",
        ),
    },
    "return_item": {
        "en": (
            "I'd like to send back the {item} from order {order}, it isn't what I expected",
            "How do I return a {item}? It doesn't suit the space I bought it for",
            "Need a return label for {order} please",
            "Can I still return the {item}? bought it a couple of weeks ago. {email}",
            "want to return something i bought, how does that work",
            "The {item} is the wrong size for us, I'd like to return it.",
        ),
        "es": (
            "Quiero devolver el {item} del pedido {order}, no es lo que esperaba",
            "¿Cómo hago una devolución? Compré un {item} y no me sirve",
            "Necesito una etiqueta de devolución para el pedido {order}",
            "Hola, me gustaría devolver una compra. Mi correo es {email}",
        ),
    },
    "exchange_item": {
        "en": (
            "Can I swap the {item} from {order} for a different size?",
            "The {item} is great but the colour is off, could I exchange it?",
            "I'd like to trade the {item} for another one in a bigger size. order {order}",
        ),
        "es": (
            "¿Puedo cambiar el {item} del pedido {order} por otra talla?",
            "Quiero cambiar el {item} por otro color",
        ),
    },
    "refund_status": {
        "en": (
            "I sent my return for {order} back over a week ago, when does the refund hit my card?",
            "Still waiting on my refund. Order {order}.",
            "Has the money for the returned {item} been refunded yet? {email}",
            "how long do refunds take? nothing on my statement yet",
        ),
        "es": (
            "¿Cuándo me devuelven el dinero del pedido {order}?",
            "Devolví el {item} hace días y todavía no veo el reembolso",
            "Quería saber si ya procesaron mi reembolso, correo {email}",
        ),
    },
    "cancel_order": {
        "en": (
            "Please cancel order {order}, I ordered the wrong thing",
            "I need to cancel my order before it ships. {email}",
            "Can I still cancel {order}? Found it cheaper locally",
            "changed my mind about the {item}, cancel it please",
        ),
        "es": (
            "Quiero anular el pedido {order}, me equivoqué",
            "¿Puedo cancelar mi pedido antes de que lo envíen? Mi correo es {email}",
            "Cancelen el {item} por favor, ya no lo necesito",
        ),
    },
    "change_shipping_address": {
        "en": (
            "I need order {order} delivered to a different address",
            "Can you update the shipping address on {order}? I'm moving this weekend",
            "Wrong address on my order! Can I fix it? {email}",
        ),
        "es": (
            "Necesito cambiar la dirección de envío del pedido {order}",
            "Me mudo esta semana, ¿pueden mandar mi pedido a otra dirección?",
        ),
    },
    "invoice": {
        "en": (
            "Could you email me a receipt for order {order}? I need it for my taxes",
            "I need an itemized invoice for {order} please, {email}",
            "where can I get the invoice for my {item}",
        ),
        "es": (
            "Necesito la factura del pedido {order}",
            "¿Me pueden mandar el recibo de la compra del {item}? Correo {email}",
        ),
    },
    "store_info": {
        "en": (
            "Are you open on Sundays in {city}?",
            "what time does your Chicago store close today",
            "Is there one of your shops near {city}?",
            "Which of your stores do repairs?",
            "Do you have a physical store in Austin?",
        ),
        "es": (
            "¿A qué hora abre la tienda de Chicago?",
            "¿Tienen alguna tienda física cerca de {city}?",
        ),
    },
    "delivery_options": {
        "en": (
            "How fast can you deliver if I order today?",
            "Do you offer next day shipping and how much is it?",
            "Is shipping free if I spend over 50 bucks?",
            "Can I pick my order up in a store instead of having it delivered?",
        ),
        "es": (
            "¿Cuánto cuesta el envío exprés?",
            "¿Cuánto tarda en llegar un pedido normal?",
        ),
    },
    "payment_methods": {
        "en": (
            "do you guys take amex",
            "Is it possible to pay in installments?",
            "Can I use a gift card together with my credit card?",
        ),
        "es": (
            "¿Aceptan PayPal?",
            "¿Puedo pagar con tarjeta de regalo?",
        ),
    },
    "damaged_item": {
        "en": (
            "The {item} from order {order} arrived with a big crack in it",
            "my {item} came broken, the box was crushed",
            "Opened the {item} today and it's scratched all over. Not happy.",
            "The {item} doesn't work properly, and it's brand new.",
        ),
        "es": (
            "El {item} llegó roto, la caja venía aplastada",
            "Me llegó el {item} con un golpe, pedido {order}",
        ),
    },
    "wrong_item": {
        "en": (
            "You sent me the wrong thing. I ordered a {item} and got something else entirely",
            "Order {order} is missing an item, only half of it came",
            "Received the {item} in the wrong colour",
        ),
        "es": (
            "Me mandaron un producto equivocado en el pedido {order}",
            "Falta un artículo en mi pedido, solo llegó una parte",
        ),
    },
    "warranty_claim": {
        "en": (
            "My {item} stopped working after four months. Is that covered by the warranty?",
            "The {item} I bought in the spring has developed a fault, how do I get it repaired?",
            "Does the guarantee cover a {item} that has stopped working properly?",
        ),
        "es": (
            "Mi {item} dejó de funcionar, ¿lo cubre la garantía?",
            "¿Cómo reclamo la garantía de un {item}?",
        ),
    },
    "payment_issue": {
        "en": (
            "Looks like you took the payment for {order} two times",
            "My card got declined at checkout but the money still left my account",
            "There's a charge from you on my statement that I don't recognise",
            "Why was I billed more than the total shown at checkout?",
        ),
        "es": (
            "Me cobraron dos veces el pedido {order}",
            "El pago salió rechazado pero el dinero se descontó de mi cuenta",
        ),
    },
    "complaint": {
        "en": (
            "I'm really unhappy with how my last order was handled and I want someone to know",
            "Your courier left my parcel out in the rain and the {item} is soaked. Awful service.",
            "This is the third time something has gone wrong with an order from you. "
            "I want to file a complaint.",
            "The way your staff spoke to me on the phone yesterday was unacceptable",
        ),
        "es": (
            "Quiero poner una queja, el servicio ha sido pésimo",
            "Estoy muy molesto con cómo gestionaron mi pedido {order}",
        ),
    },
    "human_agent": {
        "en": (
            "Can I please talk to a real person?",
            "I'd like to speak with someone from customer service, not a bot",
            "Get me a human please",
            "Is there a number where I can reach an actual representative?",
        ),
        "es": (
            "Quiero hablar con una persona, por favor",
            "¿Me pasan con un agente?",
        ),
    },
    "product_question": {
        "en": (
            "Does the {item} come in any other colours?",
            "Will the {item} be back in stock anytime soon?",
            "How big is the {item_name} exactly? Need to know if it fits",
            "Is the {item_name} in stock at the Seattle store?",
        ),
        "es": (
            "¿El {item} viene en otros colores?",
            "¿Cuándo vuelven a tener stock del {item}?",
        ),
    },
    "promotion_inquiry": {
        "en": (
            "My discount code isn't working at checkout",
            "Is there a sale coming up for Black Friday?",
            "Do you price match if I find the {item} cheaper somewhere else?",
            "Can I still use the welcome discount on my second order?",
        ),
        "es": (
            "Mi código de descuento no funciona",
            "¿Tienen alguna promoción esta semana?",
        ),
    },
    "account_access": {
        "en": (
            "I can't log into my account, the reset email never arrives",
            "My password isn't working and now the account is locked",
            "How do I sign in if I forgot which email I used?",
        ),
        "es": ("No puedo entrar en mi cuenta, no me llega el correo para cambiar la contraseña",),
    },
    "loyalty_program": {
        "en": (
            "Could you check my reward points balance?",
            "My points from the last purchase never showed up",
            "What do I get once I reach the gold tier?",
        ),
        "es": ("¿Me dicen cuántos puntos de recompensa me quedan?",),
    },
    "change_order": {
        "en": (
            "Can I add another item to order {order} before it ships?",
            "I picked the wrong size on {order}, can you change it to a large?",
            "Is it too late to swap the size on the order I placed yesterday?",
        ),
        "es": (
            "¿Puedo cambiar la talla en el pedido {order} antes de que salga?",
            "¿Todavía puedo cambiar la talla del pedido que hice ayer?",
        ),
    },
    "feedback": {
        "en": (
            "Just wanted to say the delivery driver was super friendly today",
            "Your website is really hard to use on a phone, fyi",
        ),
        "es": ("Solo quería felicitar al equipo, todo llegó perfecto",),
    },
}

# During the carrier delay.
DELAYED_OPENERS: Mapping[str, Mapping[str, tuple[str, ...]]] = {
    "order_status": {
        "en": (
            "The tracking for {order} has said 'delayed' for three days now. What is going on?",
            "the carrier keeps pushing back the delivery date on {order}, this is getting silly",
            "Is something wrong with your shipping company? {order} hasn't moved since Monday",
            "Why is my {item} stuck in transit? I paid for it over a week ago.",
        ),
        "es": (
            "El seguimiento del pedido {order} lleva días sin moverse, ¿qué pasa con el envío?",
            "Otra vez cambiaron la fecha de entrega del {item}, ¿cuándo llega de verdad?",
        ),
    },
    "missing_delivery": {
        "en": (
            "Three days past the delivery date and still nothing for {order}. "
            "Your courier seems to have lost it.",
            "Everyone I know has parcels stuck with your carrier this week. "
            "Mine is {order}, where is it?",
            "My {item} is a no-show again. Tracking just says exception.",
        ),
        "es": ("Otro retraso más: el pedido {order} tenía que llegar hace días y nada",),
    },
}

PLAIN: Mapping[str, Mapping[str, tuple[str, ...]]] = {
    "order_status": {
        "en": ("I want to know where my order is",),
        "es": ("quiero saber dónde está mi pedido",),
    },
    "missing_delivery": {
        "en": ("my parcel hasn't arrived",),
        "es": ("mi paquete no ha llegado",),
    },
    "return_item": {
        "en": ("I'd like to send an item back",),
        "es": ("quisiera devolver un artículo",),
    },
    "exchange_item": {
        "en": ("I want to exchange an item for another size",),
        "es": ("quiero cambiar un producto por otra talla",),
    },
    "refund_status": {
        "en": (
            "when does my refund come through?",
            "and when do I get the money back?",
        ),
        "es": ("¿para cuándo el reembolso?",),
    },
    "cancel_order": {
        "en": ("I'd like an order cancelled",),
        "es": ("quiero cancelar un pedido",),
    },
    "change_shipping_address": {
        "en": ("the delivery address needs changing",),
        "es": ("quiero cambiar la dirección de entrega",),
    },
    "invoice": {
        "en": (
            "can I get an invoice for that order too?",
            "I'd also need an invoice",
        ),
        "es": ("¿me mandan también la factura de ese pedido?",),
    },
    "store_info": {
        "en": ("what are your store opening hours?",),
        "es": ("¿cuál es el horario de las tiendas?",),
    },
    "delivery_options": {
        "en": ("what would shipping cost me?",),
        "es": ("¿qué precio tiene el envío?",),
    },
    "payment_methods": {
        "en": ("which payment methods do you accept?",),
        "es": ("¿con qué se puede pagar?",),
    },
    "damaged_item": {
        "en": ("the thing I got came damaged",),
        "es": ("mi producto llegó dañado",),
    },
    "wrong_item": {
        "en": ("what came isn't what I ordered",),
        "es": ("me llegó un producto equivocado",),
    },
    "warranty_claim": {
        "en": ("I'd like to claim on the warranty",),
        "es": ("quiero reclamar la garantía",),
    },
    "payment_issue": {
        "en": ("there is a problem with a charge on my card",),
        "es": ("tengo un problema con un cobro en mi tarjeta",),
    },
    "complaint": {
        "en": ("I'd like to lodge a complaint",),
        "es": ("quiero dejar una queja formal",),
    },
    "human_agent": {
        "en": ("I want to talk to a person",),
        "es": ("necesito hablar con alguien de verdad",),
    },
    "product_question": {
        "en": ("I have a question about a product",),
        "es": ("tengo una pregunta sobre un producto",),
    },
    "promotion_inquiry": {
        "en": ("my promo code doesn't work",),
        "es": ("el cupón de descuento no me funciona",),
    },
    "account_access": {
        "en": ("I can't log in to my account",),
        "es": ("no consigo entrar a mi cuenta",),
    },
    "loyalty_program": {
        "en": ("I have a question about my reward points",),
        "es": ("tengo una duda sobre mis puntos",),
    },
    "change_order": {
        "en": ("I want to change something in my order",),
        "es": ("quiero modificar mi pedido",),
    },
    "feedback": {
        "en": ("I just wanted to leave some feedback",),
        "es": ("solo quería dejar un comentario",),
    },
}

GREETINGS = {
    "en": ("hi", "hello there", "hey", "good morning"),
    "es": ("hola", "buenas tardes", "buenos días"),
}
MOOD_TAILS = {
    "en": (
        ("Getting a bit fed up here.", "Honestly a bit frustrated.", "Not the first time either."),
        (
            "This is absolutely ridiculous!!",
            "Worst experience I've had with any store.",
            "Furious.",
        ),
    ),
    "es": (
        ("Ya me estoy cansando.", "Es la segunda vez que pregunto."),
        ("¡Esto es una vergüenza!", "Estoy harto de esperar."),
    ),
}
AGAIN = {
    "en": ("I already got in touch {when} about this.", "Following up from {when}:", "Me again."),
    "es": ("Ya escribí {when} por esto.", "Vuelvo a escribir, ya lo hice {when}:"),
}
WHEN = {
    "en": ("earlier today", "yesterday", "two days ago", "a few days ago"),
    "es": ("hoy mismo", "ayer", "hace dos días", "hace unos días"),
}
IDENTITY = {
    "en": (
        "{email}, order {order}",
        "sure, it's {email} and the order is {order}",
        "email is {email}. order number {order}",
        "{email} / {order}",
    ),
    "es": ("mi correo es {email} y el pedido {order}", "{email}, pedido {order}"),
}
IDENTITY_ZIP = {
    "en": ("{email}, zip {zip}", "it's {email} and my zip code is {zip}"),
    "es": ("{email}, código postal {zip}", "mi correo es {email} y el código postal {zip}"),
}
WHICH_ORDER = {
    "en": ("{order}", "it's {order}", "order number {order}"),
    "es": ("el {order}", "es el {order}"),
}
LATEST_ORDER = {"en": ("the latest one", "the last one I placed"), "es": ("el último",)}
ITEMS = {"en": ("the {item_name}", "just the {item_name}"), "es": ("el {item_name}",)}
ALL_ITEMS = {"en": ("all of them", "the whole order"), "es": ("todo", "todos")}
STREETS = (
    "Maple Ave",
    "Cedar Street",
    "Harbor Rd",
    "Lakeview Dr",
    "Birch Lane",
    "Sunset Blvd",
    "Willow Ct",
    "Park Place",
    "Orchard Way",
    "Mill Street",
)
ADDRESS = {
    "en": (
        "{street}, {place}",
        "please send it to {street}, {place}",
        "new address: {street}, {place}",
    ),
    "es": ("{street}, {place}", "la nueva dirección es {street}, {place}"),
}
YES = {
    "en": ("yes please", "yep, go ahead", "ok do it", "sure", "yes", "correct, go ahead"),
    "es": ("sí, adelante", "vale", "sí por favor", "claro"),
}
NO = {
    "en": ("no, leave it as it is", "nope, don't", "no wait, don't do that"),
    "es": ("no, mejor no", "no, déjalo así"),
}
NO_THANKS = {"en": ("no thanks, that's fine", "no, it's ok"), "es": ("no, gracias",)}
PERSON_FIRST = {
    "en": ("hmm, I'd rather talk to someone first", "actually can I speak to someone real?"),
    "es": ("prefiero hablar con alguien antes",),
}
DONE = {
    "en": ("that's all, thanks", "no thanks, bye", "nope, all good", "nothing else, thank you"),
    "es": ("eso es todo, gracias", "no gracias", "nada más, gracias"),
}
THANKS_ONLY = {"en": ("great, thanks!", "perfect"), "es": ("genial, gracias", "perfecto")}
NUDGES = {
    "en": ("hello?? anybody still there", "still waiting...", "how long is the wait?"),
    "es": ("¿hola? ¿hay alguien?", "sigo esperando"),
}
SIGN_OFF = {
    "en": (("ok, thanks", "alright, thank you", "got it, thanks"), ("ok", "fine"), ("whatever.",)),
    "es": (("vale, gracias",), ("vale",), ("ya veremos.",)),
}
TO_AGENT = {
    "en": (
        (
            "ok great, thank you!",
            "perfect, thanks for sorting it out",
            "how long will that take?",
            "is there anything I need to do on my end?",
        ),
        ("ok. I hope it actually happens this time", "fine, but this took way too long"),
        ("this is not acceptable, I want my money back", "I've heard that before. not impressed."),
    ),
    "es": (
        ("perfecto, muchas gracias", "¿cuánto va a tardar?"),
        ("vale, espero que esta vez sí se solucione",),
        ("esto no es aceptable, quiero mi dinero",),
    ),
}
AGENT_OWN: Mapping[str, Mapping[str, tuple[str, ...]]] = {
    "en": {
        "*": (
            "Thanks for your patience, {first}. I've looked into this and I'm taking care of it "
            "now; you'll get an email confirmation within the hour.",
            "I've got this, {first}. I've noted everything on your account and will follow up "
            "by email today.",
        ),
        "damaged_item": (
            "I'm sorry the {item} arrived like that, {first}. I've arranged a replacement at no "
            "cost and emailed you a prepaid label for the damaged one.",
        ),
        "wrong_item": (
            "Sorry for the mix-up, {first}. The right {item} goes out today by express, and "
            "you'll get a prepaid label for the one you received.",
        ),
        "warranty_claim": (
            "That's covered, {first}. I've opened a warranty case for your {item}; our repair "
            "partner will email you a pickup slot within two business days.",
        ),
        "payment_issue": (
            "I can see the duplicate authorisation, {first}. It has been released and will drop "
            "off your statement within 3 to 5 business days.",
        ),
        "complaint": (
            "I'm really sorry, {first}, that's not the experience we want for you. I've passed "
            "this on to the team responsible and added a $15 credit to your account.",
        ),
        "missing_delivery": (
            "I've opened a trace with the carrier, {first}. If the parcel hasn't moved in 48 hours "
            "we'll send a replacement straight away.",
        ),
        "order_status": (
            "I've checked with the carrier, {first}: your parcel is at their regional hub and "
            "should reach you within two days.",
        ),
    },
    "es": {
        "*": (
            "Gracias por tu paciencia, {first}. Ya me estoy encargando y te llegará un correo de "
            "confirmación en menos de una hora.",
        ),
        "damaged_item": (
            "Siento mucho que el {item} llegara así, {first}. Te enviamos uno nuevo sin coste y "
            "una etiqueta de devolución para el dañado.",
        ),
        "missing_delivery": (
            "He abierto una investigación con el transportista, {first}. Si en 48 horas no hay "
            "novedades, te mandamos un reemplazo.",
        ),
    },
}
AGENT_BYE = {
    "en": (
        "Glad I could help, {first}. Have a good rest of your day!",
        "Thanks for bearing with us, {first}. Take care.",
        "Understood, {first}. I'm closing this chat now; just write again if anything comes up.",
    ),
    "es": (
        "Me alegro de haberte ayudado, {first}. ¡Que tengas buen día!",
        "Gracias por tu paciencia, {first}. Cierro la conversación; escríbenos si necesitas algo.",
    ),
}
AGENT_OPENINGS = {
    "en": ("Hi {first}, thanks for waiting.", "Sorry about this, {first}.", "Hi {first}!"),
    "es": ("Hola {first}, gracias por esperar.", "Perdona las molestias, {first}."),
}
AGENT_CLOSINGS = {
    "en": ("Anything else, just reply here.", "Let me know if that works for you."),
    "es": ("Si necesitas algo más, escríbeme aquí.",),
}
IGNORE_REASONS = (
    "draft offers a replacement, customer wants a refund",
    "too generic for this case",
    "customer already has a return label",
    "carrier is already tracing this parcel",
)
OFF_TOPIC_REASONS = (
    "draft answers a different question",
    "draft is about a different order",
    "not what the customer asked",
)
GREETING_LINE = re.compile(r"(?i)^\s*(hi|hello|hola|dear|buenas)\b[^\n]{0,40}[,:!]?\s*$")
APPROVED = (
    "Checked the carrier scan history; approved.",
    "Within goodwill limits for this customer.",
    "Order confirmed on the account; go ahead.",
)
REJECTED = (
    "Carrier shows a delivery photo; asking the customer to check first.",
    "Duplicate of a request already handled.",
)
EMAIL_FRAME = {
    "en": (("Hello,", "Thanks,"), ("Hi there,", "Best regards,")),
    "es": (("Hola:", "Gracias,"), ("Buenos días,", "Saludos,")),
}
VOICE_START = {"en": ("hi, um, ", "hello, yes, "), "es": ("hola, eh, ", "sí, hola, ")}
COMMENTS: Mapping[str, Mapping[tuple[str, str] | str, tuple[str, ...]]] = {
    "en": {
        ("bot", "good"): ("Quick and easy, got my answer in a minute.", "The chat sorted it out."),
        ("agent", "good"): ("The agent was patient and helpful.", "Problem solved, thank you!"),
        ("slow", "bad"): ("Took far too long to reach anyone.", "Waited ages in the queue."),
        ("unresolved", "bad"): ("Still not fixed.", "Nobody could tell me where my parcel is."),
        ("abandoned", "bad"): ("Gave up waiting.", "No one ever answered."),
        "good": ("Good service.", "Thanks!"),
        "meh": ("It was fine.", "OK, but could be faster."),
        "bad": ("Not helpful.", "Very disappointed."),
    },
    "es": {
        ("bot", "good"): ("Rápido y fácil.",),
        ("agent", "good"): ("La agente fue muy amable.",),
        ("slow", "bad"): ("Demasiada espera.",),
        ("unresolved", "bad"): ("Sigue sin resolverse.",),
        "good": ("Buen servicio.",),
        "meh": ("Normal.",),
        "bad": ("Muy mal servicio.",),
    },
}
