"""Word lists for the name finder (bot/engine/scrub_names.py), all lower case.

Written by hand for this project (not copied from a data set): first names that are common among residents
of Dutch neighbourhoods, Dutch as well as Frisian, Turkish, Moroccan (Arabic and Amazigh), Polish, Surinamese
(Creole, Hindustani, Javanese), Antillean, Cape Verdean, Somali, Eritrean, Syrian, Afghan, Ukrainian,
Bulgarian and Romanian; the words that put a person's name next to them; and capitalised words that are not
names (places, organisations, platforms, days and holidays, languages). The lists only help: a name after
"mijn buurman" or "mevrouw" is found whether or not it is listed, and an unknown capitalised word in the
middle of a sentence is flagged to moderators rather than guessed. Add to them freely.
"""

from __future__ import annotations


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


FIRST_NAMES = _words("""
    aad aafke aagje abdel abdelkader abdelaziz abdellah abdelhak abderrahim abdi abdirahman abdou abdul abdullah
    abdullahi abel abigail abraham achmed adam adem adil adnan adrian adriana adrie adrienne agata agnieszka
    ahmad ahmed ahmet aicha aisha aischa ajay akif akin alan albert aleksandra aleksander alex alexander
    alexandra ali alicia alina alisha alma amal amber amina amine amir amira amrita anas andrea andrzej aneta
    angela angelique anil anita anja anjali anke ann anna anne anneke annemarie annie anouk anton antonio
    anwar ard arda arie arjan arjen arnold aron arthur asha asma astrid ayaan ayla aylin ayoub ayse ayşe aysel
    aziz bart bas bastiaan beata bea ben bernard bert berna bilal bilge birgit bram brahim brian bouchra
    burak busra büşra can carla carlos carmen caroline cees celine cem cemal chantal charlotte chaima chris
    christiaan christian cindy claudia coen corrie cor cora cynthia daan damian dani daniel daniela danielle
    dario darnell david dawid deniz dennis derya desiree devi devika diana dick dilan dirk dina djamila dorien
    doruk dounia dwayne dylan ebru ed eddy edwin eefje eelco elif elias elifnur elisabeth ellen els elsa emine
    emir emma emre enes erik ergin esma esra esther evelien ewa ewelina fadoua fahd faisal farah fares fariba
    farid fatih fatima fatma fatna fenna femke ferdi feyza filip fleur floor frank frans frederik gerard
    gerda gerrit gert gijs gina gloria gökhan grażyna grazyna greet gül gülsen hafsa hakan hamid hamza hanna
    hannah hans harm hasan hassan hatice hans hendrik henk henny herman hind houda hüseyin huseyin ibrahim
    idris ilias ilse imane imran ina inge ingrid irene iris irma ismail ivana ivo iwona jaap jacob jacqueline
    jamal jan janneke jannie jasmijn jasper jayden jeroen jesse joanna joep joey johan johanna johannes jolanda
    joost jordy jorge jose josé joyce jurgen justin kacper kai kamal kamil karim karin karima karol kasia
    katarzyna kees kemal kenneth kerem kevin khadija khalid kim klaas koen krzysztof kwame lamia lars latifa
    laura lauren leila lena lenie leo leon lieke lies lina linda lisa lotte lucas luuk maarten madelief
    magda mahmoud malika manon marc marcel marco margriet maria marian marieke marielle marieke marijke marius
    mark marleen marloes marta martijn martin maryam marysia mateusz mathijs maurice meryem mehmet melek
    melissa merel michael michał michel miriam mo mohamed mohammed mohammad monique moniek mounir mourad
    mustafa nadia nadir najib naima naomi natasha nathalie nesrin nicole nienke niels nina nora nordin
    nour noura nurcan olga omar orhan oscar otto özge özlem ozlem patrick paul paula paulina pawel paweł
    peter petra piet pieter piotr pim priscilla rachid rachida radek rahul rajesh ramon ramona rani rayan
    redouan renate rené rene ria richard rick rik rina rita rob robert robin rodney romano ronald roy
    ruben rutger saad sabrina sadia safae said saïd salma sam samira samir sandra sanne sara sarah selin
    selma senna sevda sevgi shanice sharon sheila shirley sibel silvia simone sinan soufiane sophie stefan
    stephanie suat sultan sunita susan suzanne sven sylvia tamara tanja tarik tessa thijs thomas tim tom
    tomasz tycho ugur uğur umut urvashi valentina vera vincent wendy willem wim wojciech wouter yasmina
    yasin yassine yara yolanda yunus yusuf yvonne zainab zakaria zeynep ziggy zoë zoe zofia
    dewi sri wati yanti ratna indra sukarno soekirman ratih
""")

# A first name capitalised at the start of a sentence may just be a word ("Ben je ...", "Wil je ...").
AMBIGUOUS_FIRST_NAMES = _words("ben wil mag roos hoop can sam tim kim bas mark cor rob floor fleur said saïd nora")

PARTICLES = _words("""
    van de der den het 't ’t te ten ter la le da di do dos du del della von zu
    el al ben bin ait aït abou abu bou ou ibn
""")

# Words after which a name follows: titles, relations, professions (lower case, without a full stop).
TITLES = _words("""
    meneer mevrouw mevr mw dhr hr heer mr mrs ms juf juffrouw meester dokter dr fam familie wed weduwe
""")
RELATIONS = _words("""
    buurman buurvrouw buurjongen buurmeisje buurkind buurman buren man vrouw echtgenoot echtgenote partner
    zoon zoontje dochter dochtertje kind moeder vader mama papa opa oma broer broertje zus zusje zuster
    oom tante neef nicht kleinzoon kleindochter schoonmoeder schoonvader schoonzoon schoondochter stiefvader
    stiefmoeder vriend vriendin vriendje vriendinnetje collega baas huisbaas huisbazin verhuurder
    wijkagent agent wijkverpleegkundige verpleegkundige huisarts conciërge concierge leraar lerares docent
    mentor coach trainer buurtvader buurtmoeder jongerenwerker opbouwwerker wijkwerker huismeester
    wijkbeheerder beheerder postbode pastoor imam dominee pastor boa hulpverlener begeleider mantelzorger
    klasgenoot klasgenootje
    neighbour neighbor son daughter wife husband mother father brother sister friend teacher landlord
    sąsiad sąsiadka pan pani syn córka mąż żona mama tata brat siostra przyjaciel przyjaciółka nauczycielka
    komşum komşumuz oğlum kızım eşim annem babam kardeşim arkadaşım öğretmen
""")
# Titles after the name, as in Turkish ("Ayşe Hanım", "Mehmet Bey", "Fatma Teyze").
POSTFIX_TITLES = _words("hanım hanim bey abla abi ağabey teyze amca hoca")
# Phrases after which a name follows ("mijn naam is", "ik heet", "groetjes").
PHRASES = (
    ("ik", "heet"), ("ik", "ben"), ("naam", "is"), ("heet",), ("genaamd",), ("groetjes",), ("groeten",),
    ("groet",), ("gr",), ("mvg",), ("liefs",), ("namens",), ("my", "name", "is"), ("regards",),
    ("nazywam", "się"), ("adım",), ("ismim",),
)

# Capitalised words (and first words of names of places and organisations) that are not people.
KNOWN_WORDS = _words("""
    gemeente wijkteam wijkraad buurthuis wijkcentrum bewonersvereniging bewonerscommissie voedselbank
    politie brandweer ambulance ggd ggz uwv svb duo cjg wmo jeugdzorg belastingdienst toeslagen
    woningcorporatie woonstad ymere vestia havensteder portaal stadgenoot rochdale woonbron woonzorg
    mitros vidomes staedion haard alliantie woonstede wonen
    heijn jumbo lidl aldi plus dirk hema kruidvat action blokker etos coop spar vomar
    eneco vattenfall essent greenchoice ziggo kpn vodafone odido tele2
    ret gvb htm ns arriva connexxion qbuzz ov ovpay
    facebook whatsapp instagram tiktok telegram twitter snapchat youtube google marktplaats nextdoor
    signal element matrix x linkedin
    stichting heils humanitas buurtzorg vluchtelingenwerk rode kruis veilig thuis sociaal
    amsterdam rotterdam utrecht haag eindhoven tilburg groningen almere breda nijmegen arnhem haarlem
    enschede amersfoort zaandam apeldoorn zwolle leiden maastricht dordrecht zoetermeer delft schiedam
    vlaardingen capelle gouda alkmaar hilversum deventer helmond heerlen lelystad leeuwarden emmen
    zuid noord oost west noorden zuiden oosten westen oude nieuwe centrum nederland holland europa
    turkije marokko polen suriname curaçao aruba
    bonaire belgië duitsland syrië somalië eritrea oekraïne afghanistan irak iran ghana nigeria
    nederlands engels turks arabisch pools marokkaans surinaams antilliaans somalisch duits frans
    spaans portugees koerdisch berbers tamazight papiaments sranantongo oekraïens russisch roemeens
    bulgaars tigrinya nederlander nederlanders marokkanen turken polen surinamers
    maandag dinsdag woensdag donderdag vrijdag zaterdag zondag januari februari maart april mei juni
    juli augustus september oktober november december kerst kerstmis pasen pinksteren koningsdag
    ramadan suikerfeest offerfeest sinterklaas carnaval bevrijdingsdag divali
    diwali moskee kerk islam christendom god allah
    covid corona cito havo vwo vmbo mbo hbo wo umc zadkine efteling wk ek
    ik je jij u hij zij ze we wij jullie het de een en of maar want dus dan toen als omdat hoe wat wie
    waar wanneer waarom dit dat deze die er hier daar nu ook nog al wel niet geen mijn onze ons jouw
    zijn haar hun hallo hoi hey beste dag goedemorgen goedemiddag goedenavond sorry dank bedankt
    graag alstublieft aub ps nb ok oke oké ja nee help vandaag gisteren morgen
    meneer mevrouw juf meester buurman buurvrouw
""")
# Frequent Dutch words that people capitalise now and then ("mijn zoon Heeft astma"): never a name.
KNOWN_WORDS |= _words("""
    in op uit met voor naar bij van aan door over onder boven achter naast tegen tussen zonder tot sinds
    na om te tijdens vanaf via per is ben bent zijn was waren wordt worden werd heb hebt heeft hebben had
    hadden kan kun kunt kunnen kon konden wil wilt willen wou moet moeten moest mag mogen zal zullen zou
    ga gaat gaan ging kom komt komen kwam zeg zegt zeggen zei doe doet doen deed werk werkt werken zit zitten
    sta staat staan lig ligt liggen woon woont wonen loop loopt lopen krijg krijgt krijgen weet weten wist
    vind vindt vinden denk denkt denken zie ziet zien hoor hoort horen speel speelt spelen maak maakt maken
    blijf blijft blijven help helpt helpen breng brengt betaal betaalt bel belt bellen praat praten
    blij boos bang moe ziek fijn goed slecht mooi lelijk groot klein oud jong nieuw druk rustig vies schoon
    kapot donker licht gevaarlijk veilig zelf ook nog niet wel altijd nooit vaak soms weer al alleen samen
    heel erg zeer echt gewoon misschien graag eigenlijk helaas gelukkig daarom omdat want maar dus toch
    zo zoals iets niets niemand iedereen alles veel weinig meer minder alle elke elk ieder sommige andere
    gisteren vandaag morgen vanavond vannacht vanmorgen straks laatst eerst later nu toen dan
    fan lid vrijwilliger bewoner bewoners buurtbewoner bewoonster huurder huurders eigenaar moeders
    vaders ouders kinderen kind jongeren ouderen buren wijk buurt straat huis flat portiek lift trap
    school werk stad dorp plein park winkel markt kerk moskee bibliotheek zwembad speeltuin
    hoek kruising bushalte station ziekenhuis huisarts apotheek tandarts
    een bezorgde moeder vader bewoonster anonieme anoniem
    nederlandse marokkaanse turkse poolse surinaamse antilliaanse somalische syrische eritrese afghaanse
    belgische duitse bulgaarse roemeense oekraïense moslim moslima christen christelijk alleenstaand
    gepensioneerd werkloos mantelzorger student studente
""")
# Titles, relations and professions are not names themselves ("Mijn Opa woont alleen").
KNOWN_WORDS |= TITLES | RELATIONS

# Names of several words that are not people, though they may start with a first name.
KNOWN_PHRASES = frozenset({
    "albert heijn", "den haag", "leger des heils", "eigen haard", "de key", "rode kruis", "veilig thuis",
    "erasmus mc", "oud en nieuw", "keti koti", "anne frank", "willem alexander", "max verstappen",
})
# Last parts of names of streets and buildings that are never surnames; after "meneer" only these count.
STREET_SUFFIXES = ("straat", "laan", "weg", "plein", "gracht", "kade", "singel", "park", "school", "college",
                   "centrum", "kerk", "markt", "steeg", "dreef", "plantsoen")
# Last parts of names of places and buildings ("Zuiderpark", "Beatrixschool"): not people.
PLACE_SUFFIXES = (
    "straat", "laan", "weg", "plein", "park", "gracht", "kade", "singel", "dijk", "dreef", "hof", "markt",
    "school", "college", "centrum", "huis", "kerk", "wijk", "buurt", "dorp", "stad", "dam", "veen", "burg",
    "oord", "poort", "haven", "bos", "polder", "zand", "plaats", "land", "daal", "hoven", "kwartier",
)
