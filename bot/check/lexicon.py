"""Small lists of ordinary English words the draft checker needs to read a sentence.

None of these is guidance: which words to avoid, what to say instead and why always come
from the indexed documents. These lists only answer grammar questions the checker must ask
of a member's draft or of a guide's sentence, whatever the charity:

- does a word name people (or the movement of people)? A rule that a term is wrong "as a
  label for people" or as a "metaphor" for them applies to "a flood of migrants", not to
  "flood warnings", and to "small boats arrivals", not to "people who came in small boats";
- does a sentence talk about a word rather than use it ("the word", "so-called")?
- does a sentence condemn what it quotes ("dehumanising", "reject")?
- which verbs and labels in a guide mark a term as one to avoid or one to use?

They are deliberately short and general; extending them changes how cautious the checker is,
never what the charity's guidance says.
"""

from __future__ import annotations

# Nouns that name people. A term applied to one of these is applied to people.
PERSON_NOUNS = frozenset(
    """
    people peoples person persons individual individuals human humans humanity man men woman
    women child children kid kids baby babies boy boys girl girls teenager teenagers youth
    youths minor minors adult adults family families parent parents mother mothers father
    fathers son sons daughter daughters brother brothers sister sisters
    migrant migrants immigrant immigrants emigrant emigrants refugee refugees asylum seeker
    seekers arrival arrivals newcomer newcomers foreigner foreigners national nationals
    citizen citizens resident residents local locals neighbour neighbours neighbor neighbors
    worker workers student students claimant claimants applicant applicants crosser crossers
    traveller travellers traveler travelers visitor visitors tourist tourists settler settlers
    stranger strangers outsider outsiders detainee detainees survivor survivors victim victims
    protester protesters protestors crowd crowds population populations community communities
    """.split()
)

# Nouns that name the movement of people, which water, insect and war metaphors describe.
MOVEMENT_NOUNS = frozenset(
    """
    migration immigration emigration arrival arrivals crossing crossings asylum influx
    """.split()
)

# Words a motion metaphor used as a verb takes: "people flooding into", "swarming across".
MOTION_PARTICLES = frozenset(
    "into in across over through towards toward onto ashore inland aboard".split()
)

# Auxiliaries that may stand between a subject and a verb: "migrants are swarming".
AUXILIARIES = frozenset(
    "is are was were be been being keep keeps kept still have has had will would could".split()
)

# Words that introduce a word as a word: "the term X", "so-called X", "X is a cruel label".
MENTION_NOUNS = frozenset(
    """
    word words term terms phrase phrases label labels expression expressions slur slurs
    language rhetoric slogan slogans so-called
    """.split()
)

# Words that condemn what a sentence quotes: `the minister's talk of a "swarm" is dehumanising`.
CRITICISM_WORDS = frozenset(
    """
    dehumanising dehumanizing dehumanise dehumanize dehumanises dehumanizes shameful
    disgraceful offensive inflammatory divisive toxic hateful racist vile cruel dangerous
    reject rejects rejected condemn condemns condemned deplore deplores wrong untrue false lie
    lies smear smears slur slurs rhetoric
    """.split()
)

# Determiners that turn an adjective into a noun for a person: "an illegal", "the illegal".
DETERMINERS = frozenset("a an the this that every each one any another no".split())

# Relative pronouns that only follow a noun for a person: "an illegal who...".
PERSON_PRONOUNS = frozenset("who whom whose".split())

# Endings of English adjectives; such a word in the plural ("illegals", "criminals",
# "locals") has been turned into a noun, and plural nouns made from adjectives name people.
ADJECTIVE_ENDINGS = ("al", "ous", "ive", "ic", "able", "ible", "ful", "less", "ish")

# Verbs of speaking or writing: in a guide, "never describe people as X" marks X to avoid,
# "say Y" marks Y to use; a negation before the verb decides which.
SAYING_VERBS = (
    r"say|says|saying|use|uses|using|write|writes|writing|call|calls|calling|describe|describes|"
    r"describing|refer to|referring to|talk about|talking about|talk of|speak of|label|labelling|"
    r"labeling|name|naming|put|try|prefer|choose|stick to"
)
NEGATIONS = (
    r"never|don't|don’t|do not|does not|doesn't|please don't|please do not|not|no longer|"
    r"stop|avoid|avoiding|won't|will not|shouldn't|should not"
)

# Field labels in guides: "Avoid:", "Say instead:", "Why:" and their usual variants.
AVOID_LABELS = (
    r"avoid|don't say|don’t say|do not say|don't use|don’t use|do not use|don't write|"
    r"don’t write|do not write|never say|never use|never write|not|instead of|rather than|"
    r"please avoid|words? to avoid|terms? to avoid|outdated|problematic"
)
USE_LABELS = (
    r"say instead|use instead|write instead|instead say|instead use|instead|say|use|write|"
    r"try|prefer|preferred|we say|do say|better|alternative|alternatives|suggested|"
    r"recommended|use this"
)
REASON_LABELS = r"why|because|reason|reasons|rationale|note|notes"

# Table headers, matched in this order (so "Instead of" is read as the avoid column).
AVOID_HEADERS = (
    r"instead of|avoid|don't|don’t|do not|never|not this|rather than|outdated|old term|"
    r"problem|problematic|retire|unhelpful|wrong|term to|words? to|phrases? to|please avoid"
)
USE_HEADERS = (
    r"we say|do say|say|use|try|prefer|preferred|better|instead|this|recommended|suggest|"
    r"alternative|replacement|helpful|write"
)
REASON_HEADERS = r"why|reason|because|rationale|explanation|notes?|comments?|context"

# Imperative verbs style guides open their advice with; used only to pick which sentence of
# a framing passage states the advice, for the note shown to a member.
ADVICE_VERBS = frozenset(
    """
    lead open start begin talk state say use keep describe focus put show name tell write
    speak frame explain give offer acknowledge let make center centre
    """.split()
)
