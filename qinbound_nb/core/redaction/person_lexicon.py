"""The words the ``person`` detector knows: first names of ten locales, titles, cue phrases, and
capitalised words that are not people (brands, places, months, weekdays, sentence words).

The lists are written for this package, short on purpose: a name no list holds is still
caught by its context (a title, a cue phrase, a known first name before it). Names that are
also ordinary words (Mark, Will, Bill, Grace, Rose, May...) are kept apart: alone, they count
as names only after a title or a cue.
"""

# ruff: noqa: E501  (word lists read best as long lines)
from __future__ import annotations

FIRST_NAMES = {
    "en": "James John Robert Michael David William Richard Joseph Thomas Charles Christopher Daniel Matthew Anthony Donald Steven Paul Andrew Joshua Kenneth Kevin Brian George Timothy Ronald Edward Jason Jeffrey Ryan Jacob Gary Nicholas Eric Jonathan Stephen Larry Justin Scott Brandon Benjamin Samuel Gregory Alexander Patrick Dennis Tyler Aaron Henry Adam Nathan Zachary Kyle Ethan Jeremy Christian Sean Austin Noah Oliver Harry Jack Charlie Oscar Alfie Freddie Archie Theo Leo Mary Patricia Jennifer Linda Elizabeth Barbara Susan Jessica Sarah Karen Lisa Nancy Betty Sandra Margaret Ashley Kimberly Emily Donna Michelle Carol Amanda Melissa Deborah Stephanie Rebecca Sharon Laura Cynthia Kathleen Amy Angela Shirley Anna Brenda Pamela Emma Nicole Helen Samantha Katherine Christine Debra Rachel Carolyn Janet Catherine Maria Heather Diane Julie Olivia Sophie Chloe Isla Amelia Ava Mia Isabella Charlotte Lucy Ella Megan Hannah Lauren Abigail Madison Natalie Victoria Claire Fiona Siobhan Aoife Niamh Ciaran Declan Liam Connor Callum Kieran Rhys Owen Gareth Dylan Lewis Jamie Craig Stuart Alan Ian Neil Colin Keith Gordon Graham Nigel Trevor Derek Wayne Shane Darren Lee Mohammed Muhammad Ahmed Ali Omar Hassan Fatima Aisha Priya Anjali",
    "de": "Lukas Leon Finn Jonas Elias Paul Felix Maximilian Luca Ben Niklas Tim Jan Moritz Julian Philipp Tobias Florian Sebastian Stefan Andreas Thomas Michael Markus Matthias Jürgen Klaus Wolfgang Dieter Uwe Manfred Günter Helmut Horst Rainer Hans Karl Heinz Werner Frank Jens Sven Dirk Kai Lars Torsten Mia Hannah Lena Lea Leonie Marie Sophie Laura Lara Anna Johanna Katharina Julia Sabine Susanne Petra Claudia Andrea Nicole Stefanie Birgit Monika Ursula Gisela Renate Ingrid Brigitte Heike Kerstin Anja Silke Katrin Jana Franziska Annika Greta Frieda Ida Emilia Mathilda Jürgen Björn Dörte Sönke",
    "fr": "Jean Pierre Michel André Philippe Alain Jacques Bernard Christophe Nicolas Éric Patrick Frédéric Laurent Stéphane Sébastien Julien Olivier Thierry Vincent Antoine Mathieu Guillaume Maxime Romain Hugo Lucas Louis Gabriel Arthur Raphaël Théo Jules Baptiste Clément Étienne François Benoît Marie Nathalie Isabelle Sylvie Catherine Françoise Martine Christine Valérie Sandrine Véronique Céline Aurélie Émilie Camille Léa Chloé Manon Inès Jade Louise Alice Juliette Margaux Mathilde Pauline Élodie Hélène Sophie Agnès Brigitte Monique Nicole Anaïs Océane Clémence Amélie Zoë Zoé Noémie Gaëlle Yannick Loïc Gaël Hervé Régis Cédric",
    "es": "José Antonio Manuel Francisco Juan David Javier Daniel Carlos Jesús Alejandro Miguel Rafael Pedro Pablo Ángel Sergio Fernando Jorge Luis Alberto Álvaro Diego Adrián Raúl Enrique Ramón Vicente Andrés Joaquín Santiago Mateo Hugo Martín Gonzalo Iñigo Xavier Jordi Pau Marc Carmen María Lucía Ana Isabel Laura Cristina Marta Dolores Pilar Josefa Rosa Teresa Paula Elena Sara Raquel Beatriz Rocío Alba Nuria Silvia Patricia Mercedes Julia Irene Andrea Natalia Claudia Sofía Valentina Ximena Guadalupe Montserrat Inmaculada Begoña Ainhoa Itziar Lorena Nerea Camila Daniela Valeria Fernanda Gabriela Alejandra",
    "it": "Giuseppe Giovanni Antonio Mario Luigi Francesco Angelo Vincenzo Pietro Salvatore Carlo Franco Domenico Bruno Paolo Michele Giorgio Aldo Sergio Luciano Alessandro Andrea Lorenzo Matteo Leonardo Riccardo Tommaso Edoardo Federico Gabriele Davide Simone Stefano Massimo Fabio Roberto Marco Enrico Alberto Giacomo Emanuele Nicola Filippo Maria Anna Giuseppina Rosa Angela Giovanna Teresa Lucia Carmela Caterina Francesca Sofia Giulia Aurora Alice Ginevra Emma Giorgia Beatrice Chiara Martina Sara Elisa Federica Silvia Valentina Alessandra Elena Paola Laura Roberta Daniela Simona Antonella Monica Barbara Cristina Raffaella Gianluca Gianni Pierluigi",
    "nl": "Daan Sem Lucas Levi Finn Milan Bram Jesse Thijs Ruben Lars Sven Stijn Niels Bas Joost Pieter Jeroen Maarten Willem Hendrik Henk Johannes Jan Kees Gerrit Dirk Cornelis Arjen Wouter Sander Ruud Erik Marcel Bart Tom Koen Jelle Jorn Emma Julia Sophie Tess Zoë Sara Anna Lotte Fleur Sanne Femke Anouk Eva Lisa Iris Noor Julia Saskia Marieke Ingrid Annemieke Wilma Els Ineke Marloes Mieke Hanneke Inge Maaike Esther Linda Petra Yvonne Janneke Floor Merel Roos Jasper Tijmen Gijs Hidde",
    "pl": "Jan Piotr Krzysztof Andrzej Tomasz Paweł Marcin Michał Marek Grzegorz Józef Łukasz Adam Zbigniew Jerzy Tadeusz Mateusz Dariusz Mariusz Wojciech Ryszard Jakub Kamil Maciej Rafał Robert Stanisław Szymon Bartosz Dawid Wiktor Kacper Filip Antoni Franciszek Bogdan Leszek Przemysław Zdzisław Anna Maria Katarzyna Małgorzata Agnieszka Barbara Ewa Krystyna Elżbieta Zofia Joanna Magdalena Monika Aleksandra Natalia Julia Zuzanna Wiktoria Oliwia Karolina Justyna Beata Dorota Jolanta Halina Teresa Danuta Grażyna Renata Iwona Sylwia Urszula Bożena Kasia Gosia Ania Basia Ola Jadwiga Wanda",
    "pt": "João José António Antônio Francisco Carlos Paulo Pedro Lucas Luiz Luís Marcos Gabriel Rafael Daniel Marcelo Bruno Eduardo Felipe Rodrigo Manuel Ricardo Fernando Gustavo Tiago Thiago Rui Nuno Diogo Duarte Gonçalo Afonso Vasco Henrique Leandro Matheus Vinícius Caio Murilo Maria Ana Francisca Antónia Adriana Juliana Márcia Fernanda Patrícia Aline Sandra Camila Amanda Bruna Jéssica Letícia Júlia Luana Mariana Beatriz Larissa Vanessa Raquel Inês Leonor Matilde Carolina Joana Catarina Sónia Rita Teresa Conceição Graça Fátima Luíza Gabriela Rafaela Tatiana Thaís",
    "tr": "Mehmet Mustafa Ahmet Ali Hüseyin Hasan İbrahim İsmail Osman Yusuf Murat Ömer Ramazan Halil Süleyman Abdullah Mahmut Recep Emre Burak Can Cem Kerem Emir Arda Baran Yiğit Serkan Volkan Fatma Ayşe Emine Hatice Zeynep Elif Meryem Şerife Zehra Sultan Hanife Merve Özlem Esra Büşra Ebru Derya Selin Defne Ecem Gizem Tuğba Sibel Aylin Nazlı Cansu",
    "in": "Aarav Vivaan Aditya Vihaan Arjun Sai Reyansh Krishna Ishaan Rohan Rahul Amit Sanjay Suresh Ramesh Rajesh Vikram Anil Sunil Deepak Manoj Arun Vijay Ravi Ajay Nikhil Karthik Sandeep Pradeep Harish Anand Ganesh Siddharth Aryan Saanvi Aadhya Ananya Diya Pari Anika Navya Kavya Ishita Pooja Neha Sneha Divya Shreya Riya Meera Lakshmi Sunita Anita Kavita Rekha Deepa Swati Nisha Asha Geeta Radha Sita Aishwarya Kiran Tanvi Shruti Nandini",
}
# First names that are also ordinary (or month) words: alone they need a title or a cue.
WORD_NAMES = (
    "Mark Will Bill Grace Rose May June April August Frank Hope Joy Faith Summer Rich Pat Sue "
    "Jack Bob Art Gene Guy Ray Sky Dawn Eve Iris Holly Ivy Daisy Amber Ruby Crystal Angel Chase "
    "Drew Hunter Miles Victor Penny Sandy Rusty Cliff Dale Glen Heath Lance Mercedes Paris "
    "Florence Georgia Virginia Carolina Sofia Victoria Jordan Austin Page Major Earl Duke Prince "
    "King Rock Stone Will Sunny Honey Candy Cherry Olive Hazel Robin Jay Sterling Forest Brook "
    "Bella Luna Stella Aurora Dolores Pilar Rosa Fleur Roos Floor Iris Noor Kiran Can Sultan "
    "Jan Sonia Ebony Bonnie Harmony Melody Liberty Destiny Trinity Justice Patience Constance Sage"
)
# Words before a name: "Mr", "Dr.", "Frau", "Mme", "Sra."... (case-sensitive).
TITLES = (
    "Mr Mrs Ms Miss Mx Dr Doctor Prof Professor Sir Dame Lady Lord Herr Frau Fräulein M Mme Mlle "
    "Monsieur Madame Mademoiselle Sr Sra Srta Señor Señora Señorita Don Doña Sig Sig.ra Signor "
    "Signora Signorina Dott Dott.ssa Dottor Dottoressa Pan Pani Dhr Mevr Mevrouw Meneer Dona Senhor "
    "Senhora Shri Smt Nurse Sister Brother Father Officer Agent Captain Coach"
)
# Cue phrases after which a capitalised word is a name (case-insensitive, space after them).
CUES = (
    "my name is|my name's|name is|names is|thanks to|thank you to|"
    "thank you|thanks|many thanks to|thx|ty|shout out to|shoutout to|kudos to|spoke to|spoke with|"
    "speak to|speak with|speaking to|speaking with|talked to|talked with|talk to|talking to|"
    "ask for|asked for|asking for|agent|advisor|adviser|representative|rep|consultant|"
    "manager|supervisor|nurse|doctor|technician|driver|cashier|waiter|waitress|receptionist|"
    "colleague|named|called|call me|cc|dear|hi|hello|hey|regards|sincerely|"
    "signed|sent by|helped by|served by|assisted by|best wishes|warm wishes|all the best|"
    "viele grüße|liebe grüße|mit freundlichen grüßen|beste grüße|cordialement|bien à vous|"
    "bises|saludos|un saludo|un abrazo|cordiali saluti|saluti|un saluto|"
    "met vriendelijke groet|groetjes|groeten|pozdrawiam|z poważaniem|atenciosamente|"
    "cumprimentos|abraços|"
    "je m'appelle|merci à|merci|grâce à|mon nom est|"
    "mi chiamo|grazie a|grazie|il mio nome è|"
    "me llamo|mi nombre es|gracias a|gracias|hablé con|"
    "ich heiße|mein name ist|danke an|danke|vielen dank an|"
    "mijn naam is|bedankt|dank aan|dank je|"
    "nazywam się|dziękuję|dzięki|rozmawiałem z|rozmawiałam z|"
    "meu nome é|o meu nome é|chamo-me|obrigado|obrigada|falei com"
)
# Weaker cues ("I'm Canadian", "ich bin Kunde", "Best Buy"): a single unknown word after
# them is not taken for a name; two capitalised words or a word-name are.
WEAK_CUES = (
    "i am|i'm|this is|it's|it is|best|cheers|with|je suis|avec|sono|con|soy|ich bin|mit|"
    "ik ben|met|jestem|sou|com"
)
# Words before a run that make it a thing, not a person ("the Grand Hyatt", "a Lion King").
ARTICLES = "the a an der die das den dem des le les el los las il lo gli het een um uma une un"
# Capitalised words that are not people even in a name's position: brands, products, places,
# months, weekdays, organisation words, and words that open sentences.
NOT_NAMES = (
    # brands, products, organisations and the words that make them
    "Apple Pay Microsoft Teams Google Amazon Prime Netflix Spotify Uber Airbnb Facebook Instagram "
    "WhatsApp Twitter Tesla Samsung Galaxy Sony Nike Adidas Visa Mastercard PayPal Zoom Slack "
    "Outlook Excel Word Office Windows Android iPhone iPad Mac Chrome Safari Firefox Alexa Siri "
    "Premium Plus Pro Max Mini Ultra Gold Silver Platinum Basic Standard Deluxe Express Lite Live "
    "World Land Kingdom City Resort Spa Inn Hyatt Grand Royal Golden Palace Castle Tower "
    "Hotel Hilton Marriott Bank Airlines Airways Air Store Shop Mall Market Support Service "
    "Services Team Center Centre Club Card App Online Portal Desk Help Care Group Inc Ltd GmbH "
    "Garden Gardens Suite Room Lounge Bar Restaurant Cafe Café Park Plaza Tower Hall House "
    "Street Road Avenue Lane Drive Station Airport Terminal Gate Hospital Clinic University "
    "Calle Via Viale Piazza Corso Rua Avenida Praça Paseo Carrer Strada Rue Boulevard Platz "
    "Straße Strasse Gasse Allee Ulica Aleja Plac Travessa Estrada Alameda Straat Laan Gracht "
    "School College Museum Theatre Theater Cinema Church Bridge River Lake Beach Island "
    "Starbucks McDonald's Ikea Lidl Aldi Tesco Walmart Target Costco Zara Primark Boots "
    "Vodafone Verizon Telekom Orange Movistar Lufthansa Ryanair EasyJet Delta United Emirates "
    "Booking Expedia Trivago Deliveroo Zalando Allegro Bol Coolblue Shell BP Toyota BMW Audi "
    "Volkswagen Mercedes-Benz Ford Renault Peugeot Fiat Seat Skoda Volvo Honda Nissan Kia "
    # places
    "New York London Paris Berlin Madrid Rome Roma Milano Lisbon Lisboa Porto Amsterdam "
    "Rotterdam Warsaw Warszawa Kraków Krakow Munich München Hamburg Vienna Wien Zurich Geneva "
    "Brussels Dublin Edinburgh Manchester Liverpool Glasgow Boston Chicago Seattle Texas "
    "California Florida Toronto Sydney Melbourne Tokyo Barcelona Valencia Sevilla Seville "
    "Naples Napoli Turin Torino Venice Venezia Florence Firenze Lyon Marseille Nice Bordeaux "
    "Frankfurt Cologne Köln Stuttgart Utrecht Gdańsk Wrocław Poznań Rio Janeiro São "
    "Brazil Brasil Portugal Spain España Italy Italia Germany Deutschland France Poland Polska "
    "Netherlands Holland Belgium Ireland Scotland England Wales Britain UK USA America Europe "
    "Canada Mexico India China Japan Turkey Istanbul Ankara Delhi Mumbai York Jersey Angeles "
    "Los Las Vegas San Washington Heathrow Gatwick Schiphol Orly Gaulle "
    # months and weekdays (en de fr es it nl pl pt)
    "January February March April May June July August September October November December "
    "Monday Tuesday Wednesday Thursday Friday Saturday Sunday Januar Februar März Juni Juli "
    "Oktober Dezember Montag Dienstag Mittwoch Donnerstag Freitag Samstag Sonntag Janvier Février "
    "Mars Avril Mai Juin Juillet Août Septembre Octobre Novembre Décembre Lundi Mardi Mercredi "
    "Jeudi Vendredi Samedi Dimanche Enero Febrero Marzo Abril Mayo Junio Julio Agosto Septiembre "
    "Octubre Noviembre Diciembre Lunes Martes Miércoles Jueves Viernes Sábado Domingo Gennaio "
    "Febbraio Aprile Maggio Giugno Luglio Settembre Ottobre Dicembre Lunedì Martedì Mercoledì "
    "Giovedì Venerdì Sabato Maandag Dinsdag Woensdag Donderdag Vrijdag Zaterdag Zondag Styczeń "
    "Poniedziałek Wtorek Środa Czwartek Piątek Sobota Niedziela Janeiro Fevereiro Março Maio "
    "Junho Julho Segunda Terça Quarta Quinta Sexta Christmas Easter Black Friday Cyber "
    # words that open sentences or stand capitalised in feedback
    "The This That These Those There Then Thanks Thank Great Good Very Really Please Hi Hello "
    "Dear Hey Yes No Not Nothing Everything Overall Also But And Or So If When While After "
    "Before Since Because Although However Still Just Only Even Maybe Perhaps Today Yesterday "
    "Tomorrow Last Next Every Each All Some Any Many Most Much More Less Best Worst Love Loved "
    "Terrible Awful Excellent Amazing Fantastic Perfect Poor Bad Nice Kind Friendly Rude Slow "
    "Fast Quick Easy Hard Staff Customer Customers Delivery Order Orders Refund Price Prices "
    "Product Products Quality Manager Agent Nurse Doctor Driver Team Waiter My Our Your Their "
    "His Her Its We You They He She It I'm I've I'd I'll We're You're Let Keep Stop Make Get "
    "Got Went Came Called Asked Told Said Spoke Waited Tried Ordered Paid Booked Checked "
    "Le La Les Un Une Der Die Das Ein Eine El Los Las Il Lo Gli De Het Een Na Ta Ten O A Os As "
    "Mein Meine Meinen Meiner Mon Ma Mes Mi Mis Mio Mia Mijn Moja Mój Moje Meu Minha Ihr Ihre "
    "Votre Vos Tu Su Sus Uw Twój Unser Unsere Notre Nos Nuestro Nuestra Nostro Nostra Onze Nasz "
    "Nosso Nossa Ich Sie Wir Er Es Du Je Nous Vous Ils Elles On Yo Él Ella Nosotros Io Lui Lei "
    "Noi Ik Wij Zij Jij Ja Ty Eu Ele Ela Nós Den Dem Des Einen Dieser Diese Dieses Ce Cette Ces "
    "Este Esta Estos Estas Questo Questa Deze Dit Dat Isso Isto Aber Und Oder Wenn Seit Leider "
    "Mais Et Ou Quand Depuis Pero Cuando Desde Ma Però Quando Dal Maar En Sinds Ale Od Mas "
    "Vielen Dank Desde Schnelle Tolles Ganz Sehr War Ist Hier Ça Super Bien Muy Gran Entrega Correcto "
    "Merci Danke Gracias Grazie Bedankt Dziękuję Obrigado Obrigada Bonjour Hallo Hola Ciao "
    "Sehr Très Muy Molto Zeer Bardzo Muito Bien Bene Gut Goed Dobrze Bom Bueno Buono "
    # people who are nobody in particular, and departments that act like people
    "Nobody Everyone Everybody Someone Somebody Anyone Anybody Noone Niemand Personne Nadie "
    "Nessuno Nikt Ninguém Alle Tutti Todos Tous Management Reception Security Housekeeping "
    "Sales Billing Admin Concierge Pharmacy Pharmacist Helpdesk Dispatch Finance Accounts "
    "Front Receptionist Technician Engineer Courier Postman Chat Chatbot Bot Operator "
    # sign-off words, so "Viele Grüße, Hannah" is a greeting and a name
    "Viele Liebe Beste Grüße Freundlichen Cordialement Saludos Saluti Pozdrawiam Groeten "
    "Groetjes Atenciosamente Cumprimentos Bises Abraços Regards Wishes Cheers"
)
